/**
 * Gradient flow on the graph as data: how large a gradient each drawn box received and each
 * drawn link carried, and the log-scale colour scale that paints them, with its legend ticks.
 * Pure data, no DOM.
 *
 * Gradient norms span many orders of magnitude (1e-8 in a vanishing layer, 1e3 in an
 * exploding one), so colours follow log10 of the norm, on viridis from colormap.ts: on the
 * part of it that stands out from the page (PALETTE_BANDS), since a link must read against the
 * background where a heatmap's cell reads against its neighbours. Zero,
 * NaN and ±Inf have no logarithm: they take colours of their own, off the scale. A box that
 * stands for many nodes (a folded chain, a fan, a module) shows the largest norm inside it,
 * and a link that stands for many edges the largest it carries, where a NaN counts as larger
 * than any number and an Inf as larger than any finite one: what is folded away must not
 * hide the gradient that went wrong.
 */

import { SPECIAL_COLORS, sequentialScale, type LegendStop, type Rgba } from '../colormap';
import { arrivingNorm, edgeGradient, magnitude } from './record';
import type { GraphModel } from '../graph/model';
import { formatNumber } from '../numbers';
import type { GradientsSnapshot, ParameterGradient } from '../schema';

/**
 * The stretch of viridis (0: dark purple … 1: yellow) drawn on each kind of page: each end at
 * least 3:1 against the page's background, the contrast lines and frames need to be seen.
 */
export const PALETTE_BANDS = { light: [0, 0.55], dark: [0.4, 1] } as const satisfies Record<string, readonly [number, number]>;

export type PageTone = keyof typeof PALETTE_BANDS;

/** Legend stops sampled along the band. */
const BAND_STOPS = 9;

/** A gradient of exactly zero: grey, as a neutral on the heatmaps reads. */
export const ZERO_COLOR: Rgba = [140, 149, 159, 255];

const MIN_WIDTH_PX = 1.2;
const MAX_WIDTH_PX = 5;
/** More integer powers of ten than this, and the legend labels every other one (or fewer): `1e-22` is wide. */
const MAX_TICKS = 4;

export interface LegendTick {
  /** Position along the legend, 0 at the smallest norm to 1 at the largest. */
  offset: number;
  label: string;
}

export interface NormScale {
  /** log10 of the smallest and largest positive finite norm; null when there is none. */
  lo: number | null;
  hi: number | null;
  /** The colour of a norm; null for no gradient at all. */
  colorOf(norm: number | null): Rgba | null;
  /** A link's stroke width for the norm it carries: wider for larger. */
  widthOf(norm: number | null): number;
  stops: LegendStop[];
  ticks: LegendTick[];
  /** Which off-scale values occur, so the legend names only those. */
  present: { zero: boolean; nan: boolean; posinf: boolean; neginf: boolean };
}

export interface GradientFlow {
  scale: NormScale;
  /** Each drawn box's norm by box id; null for a box no gradient reached. */
  boxNorms: Map<string, number | null>;
  /** Each drawn link's norm by linkKey(source, target). */
  linkNorms: Map<string, number | null>;
}

export function linkKey(source: string, target: string): string {
  return `${source}\u0000${target}`;
}

/** The largest of the norms, where NaN outranks +Inf and +Inf outranks any finite norm; nulls skipped. */
export function largestNorm(norms: Iterable<number | null>): number | null {
  let largest: number | null = null;
  for (const norm of norms) {
    if (norm === null) continue;
    if (largest === null || rank(norm) > rank(largest) || (rank(norm) === rank(largest) && norm > largest)) largest = norm;
  }
  return largest;
}

/** Where each norm goes on the log scale spanned by the positive finite ones among them. */
export function normScale(norms: Iterable<number | null>, tone: PageTone = 'light'): NormScale {
  const present = { zero: false, nan: false, posinf: false, neginf: false };
  let [lo, hi] = [Infinity, -Infinity];
  for (const norm of norms) {
    if (norm === null) continue;
    if (Number.isNaN(norm)) present.nan = true;
    else if (norm === Infinity) present.posinf = true;
    else if (norm === -Infinity) present.neginf = true;
    else if (norm <= 0) present.zero = true;
    else {
      lo = Math.min(lo, Math.log10(norm));
      hi = Math.max(hi, Math.log10(norm));
    }
  }
  const found = lo <= hi;
  const [from, to] = PALETTE_BANDS[tone];
  const viridis = sequentialScale(0, 1);
  const alongBand = (position: number): Rgba => viridis.colorOf(from + (to - from) * Math.min(Math.max(position, 0), 1));
  const position = (norm: number): number => (found && hi > lo ? (Math.log10(norm) - lo) / (hi - lo) : 0.5);
  const colorOf = (norm: number | null): Rgba | null => {
    if (norm === null) return null;
    if (Number.isNaN(norm)) return SPECIAL_COLORS.nan;
    if (norm === Infinity) return SPECIAL_COLORS.posinf;
    if (norm === -Infinity) return SPECIAL_COLORS.neginf;
    return norm <= 0 ? ZERO_COLOR : alongBand(position(norm));
  };
  const widthOf = (norm: number | null): number => {
    if (norm === null || norm === 0) return MIN_WIDTH_PX;
    if (!Number.isFinite(norm)) return MAX_WIDTH_PX;
    return MIN_WIDTH_PX + (MAX_WIDTH_PX - MIN_WIDTH_PX) * Math.min(Math.max(position(norm), 0), 1);
  };
  return {
    lo: found ? lo : null,
    hi: found ? hi : null,
    colorOf,
    widthOf,
    stops: Array.from({ length: BAND_STOPS }, (_, at) => ({ offset: at / (BAND_STOPS - 1), color: alongBand(at / (BAND_STOPS - 1)) })),
    ticks: found ? legendTicks(lo, hi) : [],
    present
  };
}

/**
 * The integer powers of ten between lo and hi (log10), thinned from the top down to at most
 * MAX_TICKS; the two ends themselves where fewer than two powers fall inside; one tick when lo
 * equals hi.
 */
export function legendTicks(lo: number, hi: number): LegendTick[] {
  if (hi - lo < 1e-12) return [{ offset: 0.5, label: formatNumber(10 ** lo) }];
  const at = (exponent: number): LegendTick => ({ offset: (exponent - lo) / (hi - lo), label: formatNumber(10 ** exponent) });
  const [first, last] = [Math.ceil(lo - 1e-9), Math.floor(hi + 1e-9)];
  if (last - first < 1) return [at(lo), at(hi)];
  const every = Math.ceil((last - first + 1) / MAX_TICKS);
  const ticks: LegendTick[] = [];
  // Counted down from the largest power: the large gradients are the ones read most.
  for (let exponent = last; exponent >= first; exponent -= every) ticks.unshift(at(exponent));
  return ticks;
}

export interface ParameterBar {
  parameter: ParameterGradient;
  /** What the bar shows: the magnitude of the leaf's gradient (NaN or Inf when it holds one); null for none. */
  norm: number | null;
  /** The bar's length, 0 to 1, on a log scale from a decade below the smallest norm to the largest. */
  share: number;
}

/**
 * The parameters largest first (NaN, then Inf, at the top: they are what to look at; none
 * at the bottom), with bar lengths on a log scale, so a gradient a million times smaller
 * still shows a bar. A leaf's size is what arrived at it in the record, where it is there.
 */
export function parameterBars(parameters: ParameterGradient[], gradients?: GradientsSnapshot): ParameterBar[] {
  const sized = parameters.map(parameter => ({
    parameter,
    norm: (gradients === undefined ? null : arrivingNorm(gradients, parameter.node)) ?? parameter.norm
  }));
  const order = (norm: number | null): number => (norm === null ? -1 : rank(norm));
  // Two NaNs or two Infs differ by NaN, which `|| 0` reads as equal.
  sized.sort((a, b) => order(b.norm) - order(a.norm) || (b.norm ?? 0) - (a.norm ?? 0) || 0);
  const logs = sized.flatMap(({ norm }) => (norm !== null && norm > 0 && Number.isFinite(norm) ? [Math.log10(norm)] : []));
  const [lo, hi] = [Math.min(...logs) - 1, Math.max(...logs)];
  const shareOf = (norm: number | null): number => {
    if (norm === null) return 0;
    if (!Number.isFinite(norm)) return 1;
    return norm > 0 ? (Math.log10(norm) - lo) / (hi - lo) : 0;
  };
  return sized.map(({ parameter, norm }) => ({ parameter, norm, share: shareOf(norm) }));
}

/** The norms of every drawn box and link of the model, and the one scale that paints them all. */
export function gradientFlow(model: GraphModel, gradients: GradientsSnapshot, tone: PageTone = 'light'): GradientFlow {
  const nodeNorms = new Map<string, number | null>();
  const linkNorms = new Map<string, number | null>();
  const linkEdges = new Map<string, (number | null)[]>();
  for (const edge of model.snapshot.edges) {
    const norm = magnitude(edgeGradient(gradients, model.index, edge));
    // A root tensor receives what its edge brings: the gradient that backward started from.
    if (model.index.nodes.get(edge.target)?.kind === 'tensor') nodeNorms.set(edge.target, norm);
    const [source, target] = [model.boxOf.get(edge.source), model.boxOf.get(edge.target)];
    if (source === undefined || target === undefined || source === target) continue;
    push(linkEdges, linkKey(source, target), norm);
  }
  for (const [key, norms] of linkEdges) linkNorms.set(key, largestNorm(norms));
  const inBox = new Map<string, (number | null)[]>();
  for (const node of model.snapshot.nodes) {
    const norm = node.kind === 'tensor' ? nodeNorms.get(node.id) ?? null : arrivingNorm(gradients, node.id);
    const box = model.boxOf.get(node.id);
    if (box !== undefined) push(inBox, box, norm);
  }
  const boxNorms = new Map<string, number | null>();
  for (const [box, norms] of inBox) boxNorms.set(box, largestNorm(norms));
  return { scale: normScale([...boxNorms.values(), ...linkNorms.values()], tone), boxNorms, linkNorms };
}

function push<V>(lists: Map<string, V[]>, key: string, value: V): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}

/** NaN, then +Inf, then everything else (finite norms and a stray -Inf), for largestNorm. */
function rank(norm: number): number {
  if (Number.isNaN(norm)) return 2;
  return norm === Infinity ? 1 : 0;
}
