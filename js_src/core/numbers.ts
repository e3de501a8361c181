/** How numbers read in the plots: plain strings, no DOM. */

/**
 * Four significant digits, as Python's `f"{value:.4g}"` writes them in the summary line,
 * so a number reads the same in the plots and in the text above them.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return formatSpecial(value);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(4)))));
  if (exponent < -4 || exponent >= 4) {
    const [mantissa, power] = value.toExponential(3).split('e');
    const sign = power.startsWith('-') ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${power.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, 3 - exponent)));
}

/**
 * The shortest decimal that reads back as the same float32: the exact value of a
 * preview cell, without the noise digits a float64 print adds (0.1, not 0.10000000149).
 */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return formatSpecial(value);
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = single.toPrecision(digits);
    if (Math.fround(Number(text)) === single) return String(Number(text));
  }
  return String(Number(single.toPrecision(9)));
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
