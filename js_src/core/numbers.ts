/** How numbers read in the plots: plain strings, no DOM. */

/**
 * Four significant digits, as Python's `f"{value:.4g}"` writes them in the summary line,
 * so a number reads the same in the plots and in the text above them.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return formatSpecial(value);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  return spell(value, 4, 4);
}

/**
 * The shortest decimal that reads back as the same float32: the exact value of a
 * preview cell, without the noise digits a float64 print adds (0.1, not 0.10000000149).
 * Spelled as Python's repr spells it (1.4305115e-06, not 0.0000014305115), so that it reads
 * like the four-digit numbers beside it.
 */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return formatSpecial(value);
  const single = Math.fround(value);
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  for (let digits = 1; digits < 9; digits++) {
    if (Math.fround(Number(single.toPrecision(digits))) === single) return spell(single, digits, 16);
  }
  return spell(single, 9, 16);
}

/** `digits` significant digits, in e-notation below 1e-4 and from 10**`largest` up, as Python writes them. */
function spell(value: number, digits: number, largest: number): string {
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(digits)))));
  if (exponent < -4 || exponent >= largest) {
    const [mantissa, power] = value.toExponential(digits - 1).split('e');
    const sign = power.startsWith('-') ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${power.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, digits - 1 - exponent)));
}

/** Whole counts with thousands separators, which read faster than 4-digit rounding. */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** The summary line's words for the values that are not finite. */
function formatSpecial(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

function stripZeros(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal;
}
