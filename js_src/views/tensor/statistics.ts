/**
 * The statistics of a tensor's values: min, max, mean, std of the finite values, and the
 * counts of NaN, ±Inf and zeros, the troublesome ones highlighted when they are not zero.
 */

import type { TensorStatistics } from '../../core/schema';
import { element } from '../dom';
import type { View } from '../view';

export interface StatisticsData {
  statistics: TensorStatistics | null;
  notComputed?: string;
  /** A complex tensor's real and imaginary parts, whose ranges the magnitude hides. */
  parts?: { real: TensorStatistics; imaginary: TensorStatistics } | null;
}

const TROUBLE: [keyof TensorStatistics, string][] = [
  ['nan', 'NaN'],
  ['posinf', '+Inf'],
  ['neginf', '−Inf']
];

export function mountStatistics(el: HTMLElement, data: StatisticsData): View<StatisticsData> {
  const root = element('div', 'torchinspect-statistics');
  el.appendChild(root);
  const update = (next: StatisticsData): void => root.replaceChildren(...render(next));
  update(data);
  return { update, destroy: () => root.remove() };
}

function render({ statistics, notComputed, parts }: StatisticsData): HTMLElement[] {
  if (statistics === null) {
    return [element('p', 'torchinspect-note', notComputed ?? 'not computed')];
  }
  const rows: [string, string, boolean][] = [
    ['min', formatStatistic(statistics.min), false],
    ['max', formatStatistic(statistics.max), false],
    ['mean', formatStatistic(statistics.mean), false],
    ['std', formatStatistic(statistics.std), false],
    ...TROUBLE.map(([key, label]): [string, string, boolean] => [label, count(statistics[key] as number), statistics[key] !== 0]),
    ['zeros', count(statistics.zeros), false],
    ...(parts ? partRows(parts) : [])
  ];
  const table = element('dl', 'torchinspect-stat-grid');
  for (const [label, value, trouble] of rows) {
    const term = element('dt', 'torchinspect-label', label);
    const detail = element('dd', trouble ? 'torchinspect-value torchinspect-trouble' : 'torchinspect-value');
    detail.dataset.stat = label;
    detail.appendChild(element('code', '', value));
    table.append(term, detail);
  }
  const caption = element('p', 'torchinspect-note', captionOf(statistics));
  return [table, caption];
}

/** `real ∈ [0, 0] μ=0` and the same for the imaginary part, beside the magnitude's rows. */
function partRows(parts: NonNullable<StatisticsData['parts']>): [string, string, boolean][] {
  return (['real', 'imaginary'] as const).map(part => {
    const stats = parts[part];
    const range = `[${formatStatistic(stats.min)}, ${formatStatistic(stats.max)}] mean ${formatStatistic(stats.mean)}`;
    return [`${part} part`, range, false];
  });
}

function captionOf(statistics: TensorStatistics): string {
  const of = statistics.of === 'values' ? '' : ` (of the ${statistics.of})`;
  const skipped = statistics.count - statistics.finite;
  const finite = skipped === 0 ? 'all finite' : `${count(statistics.finite)} finite, ${count(skipped)} not`;
  return `exact over ${count(statistics.count)} elements${of}: ${finite}`;
}

/** Full precision on hover is in the snapshot; the panel shows what a person compares. */
export function formatStatistic(value: number | null): string {
  if (value === null) return '—';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return Number(value.toPrecision(6)).toString();
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
