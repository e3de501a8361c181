/** How a histogram reads: its bars, their heights, labels and read-outs, as plain data. */

import { formatCount, formatNumber } from '../numbers';
import type { TensorHistogram, TensorStatistics } from '../schema';

export type SpecialKind = 'nan' | 'posinf' | 'neginf';

export interface Bar {
  /** What the bar counts: a bin's range such as `[0.5, 0.75)`, one integer, or NaN/+Inf/-Inf. */
  label: string;
  count: number;
  special?: SpecialKind;
}

export interface AxisLabel {
  text: string;
  /** Where along the bins it stands, 0 at the left edge to 1 at the right. */
  at: number;
  align: 'start' | 'center' | 'end';
}

/** Integer histograms with up to this many bins label every bin. */
const LABEL_EVERY_BIN = 16;

const SPECIAL_LABELS: Record<SpecialKind, string> = { nan: 'NaN', posinf: '+Inf', neginf: '-Inf' };

/** The bins from lo to hi; the last includes hi, as torch.histc counts it. */
export function binBars(histogram: TensorHistogram): Bar[] {
  const { lo, hi, counts } = histogram;
  const width = (hi - lo) / counts.length;
  return counts.map((count, i) => {
    if (lo === hi) return { label: formatNumber(lo), count };
    if (isIntegerBinning(histogram)) return { label: String(lo + 0.5 + i), count };
    const closing = i === counts.length - 1 ? ']' : ')';
    return { label: `[${formatNumber(lo + i * width)}, ${formatNumber(lo + (i + 1) * width)}${closing}`, count };
  });
}

/** Bars for -Inf, +Inf and NaN, in that order, only those the statistics count. */
export function specialBars(statistics: TensorStatistics | null): Bar[] {
  if (statistics === null) return [];
  const kinds: SpecialKind[] = ['neginf', 'posinf', 'nan'];
  return kinds
    .filter(kind => statistics[kind] > 0)
    .map(kind => ({ label: SPECIAL_LABELS[kind], count: statistics[kind], special: kind }));
}

/**
 * Heights from 0 to 1, the tallest bar 1. Sampled bin counts are scaled by the step so
 * they compare with the exact NaN and Inf counts; log heights use log(1 + count), so a
 * bar of one value still shows.
 */
export function barHeights(bars: Bar[], sampleEvery: number, log: boolean): number[] {
  const estimates = bars.map(bar => (bar.special ? bar.count : bar.count * sampleEvery));
  const heights = log ? estimates.map(Math.log1p) : estimates;
  const tallest = Math.max(...heights, 0);
  return heights.map(height => (tallest > 0 ? height / tallest : 0));
}

/** lo and hi at the ends; the value of each bin when an integer histogram has few. */
export function axisLabels(histogram: TensorHistogram): AxisLabel[] {
  const { lo, hi, counts } = histogram;
  if (!isIntegerBinning(histogram)) {
    if (lo === hi) return [{ text: formatNumber(lo), at: 0.5, align: 'center' }];
    return [
      { text: formatNumber(lo), at: 0, align: 'start' },
      { text: formatNumber(hi), at: 1, align: 'end' }
    ];
  }
  if (counts.length <= LABEL_EVERY_BIN) {
    return counts.map((_, i) => ({ text: String(lo + 0.5 + i), at: (i + 0.5) / counts.length, align: 'center' }));
  }
  return [
    { text: String(lo + 0.5), at: 0, align: 'start' },
    { text: String(hi - 0.5), at: 1, align: 'end' }
  ];
}

/** "counted 1 in 7 values" when the histogram counts a sample, else null. */
export function samplingNote(histogram: TensorHistogram): string | null {
  return histogram.sample_every > 1 ? `counted 1 in ${formatCount(histogram.sample_every)} values` : null;
}

/** "[0.5, 0.75): 12 values"; a sampled bin's count is what was counted, and says so. */
export function barReadOut(bar: Bar, sampleEvery: number): string {
  const noun = !bar.special && sampleEvery > 1 ? 'counted' : bar.count === 1 ? 'value' : 'values';
  return `${bar.label}: ${formatCount(bar.count)} ${noun}`;
}

/**
 * Bins one unit wide centred on integers: Python bins integer tensors spanning fewer
 * than 64 values one bin per value, from min - 0.5 to max + 0.5.
 */
function isIntegerBinning({ lo, hi, counts }: TensorHistogram): boolean {
  return hi - lo === counts.length && Number.isInteger(lo + 0.5);
}
