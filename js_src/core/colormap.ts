/**
 * Colour scales for heatmaps: pure functions from numbers to RGBA, no DOM.
 *
 * Signed data gets a diverging scale centred on zero (ColorBrewer's RdBu: blue below,
 * red above), so the sign reads at a glance and zero is neutral. Non-negative data gets
 * viridis, which is perceptually uniform and stays readable in greyscale. Its near-white
 * centre is kept in dark themes too: the colours mean the same in every theme, and the
 * heatmap and legend are framed by a border, so a neutral cell reads as a light cell
 * rather than as a hole in the page.
 *
 * NaN, +Inf and -Inf get colours that lie on neither scale (the tests measure how far).
 */

export type Rgba = readonly [number, number, number, number];

export interface LegendStop {
  /** Position along the legend, 0 at `lo` to 1 at `hi`. */
  offset: number;
  color: Rgba;
}

export interface ColorScale {
  kind: 'diverging' | 'sequential';
  lo: number;
  hi: number;
  /** The value the legend names in its middle: 0 on a diverging scale. */
  centre: number;
  colorOf(value: number): Rgba;
  stops: LegendStop[];
}

export const SPECIAL_COLORS = {
  nan: rgb('#ff00ff'),
  posinf: rgb('#ff8c00'),
  neginf: rgb('#00ffff')
} as const;

// RdBu, 11 classes, reversed so that negative is blue.
const DIVERGING = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7',
  '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'].map(rgb);

// viridis sampled at nine evenly spaced points.
const SEQUENTIAL = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80',
  '#5ec962', '#addc30', '#fde725'].map(rgb);

/**
 * The scale for these values: diverging when any finite value is negative, when every
 * one is zero (a zero gradient reads as neutral) or when none is finite; sequential otherwise.
 */
export function scaleFor(values: ArrayLike<number>): ColorScale {
  const { min, max } = finiteRange(values);
  if (min > max) return divergingScale(0);
  if (min < 0 || max === 0) return divergingScale(Math.max(-min, max));
  return sequentialScale(min, max);
}

/** One scale for several sets of values, so that equal colours mean equal numbers. */
export function sharedScale(...valueSets: ArrayLike<number>[]): ColorScale {
  return scaleFor(valueSets.flatMap(values => Array.from(values)));
}

/** Blue–white–red from -limit to +limit; a limit of 0 paints every finite value neutral. */
export function divergingScale(limit: number): ColorScale {
  const position = (value: number): number => (limit > 0 ? (value + limit) / (2 * limit) : 0.5);
  // 0 - limit, not -limit: a limit of 0 gives lo = 0 rather than -0, which prints as "-0".
  return makeScale('diverging', 0 - limit, limit, 0, DIVERGING, position);
}

/** viridis from lo to hi; when lo equals hi every finite value takes the middle colour. */
export function sequentialScale(lo: number, hi: number): ColorScale {
  const position = (value: number): number => (hi > lo ? (value - lo) / (hi - lo) : 0.5);
  return makeScale('sequential', lo, hi, (lo + hi) / 2, SEQUENTIAL, position);
}

/** `rgb(r g b / a)` for CSS. */
export function cssColor([r, g, b, a]: Rgba): string {
  return `rgb(${r} ${g} ${b} / ${a / 255})`;
}

function makeScale(
  kind: ColorScale['kind'],
  lo: number,
  hi: number,
  centre: number,
  table: Rgba[],
  position: (value: number) => number
): ColorScale {
  const colorOf = (value: number): Rgba => {
    if (Number.isNaN(value)) return SPECIAL_COLORS.nan;
    if (value === Infinity) return SPECIAL_COLORS.posinf;
    if (value === -Infinity) return SPECIAL_COLORS.neginf;
    return interpolate(table, position(value));
  };
  const stops = table.map((color, i) => ({ offset: i / (table.length - 1), color }));
  return { kind, lo, hi, centre, colorOf, stops };
}

function interpolate(table: Rgba[], position: number): Rgba {
  const at = Math.min(Math.max(position, 0), 1) * (table.length - 1);
  const below = Math.min(Math.floor(at), table.length - 2);
  const t = at - below;
  const [a, b] = [table[below], table[below + 1]];
  const mix = (channel: number): number => Math.round(a[channel] + (b[channel] - a[channel]) * t);
  return [mix(0), mix(1), mix(2), 255];
}

function finiteRange(values: ArrayLike<number>): { min: number; max: number } {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

function rgb(hex: string): Rgba {
  const channel = (start: number): number => parseInt(hex.slice(start, start + 2), 16);
  return [channel(1), channel(3), channel(5), 255];
}
