/**
 * One tensor's contents: its statistics, histogram and heatmap, under a heading.
 * The inspector shows the gradient's panel beside the values', laid out the same way; a
 * comparison shows two tensors and their difference.
 */

import type { TensorPreview, TensorSnapshot } from '../../core/schema';
import { element } from '../dom';
import { mountHeatmap } from './heatmap';
import { mountHistogram } from './histogram';
import { mountStatistics } from './statistics';
import type { View } from '../view';

export interface TensorPanel extends View<TensorSnapshot> {
  /** Show another slice, fetched from the kernel, in the heatmap. */
  showPreview(preview: TensorPreview): void;
}

export type PanelRole = 'values' | 'grad' | 'actual' | 'expected' | 'difference';

const HEADINGS: Record<PanelRole, string> = {
  values: 'Values',
  grad: 'Gradient (.grad)',
  actual: 'Actual',
  expected: 'Expected',
  difference: 'Difference'
};

/** ``title`` names what the plots show ("values", "grad", or a tensor's name). */
export function mountTensorPanel(
  el: HTMLElement,
  role: PanelRole,
  first: TensorSnapshot,
  title: string = role
): TensorPanel {
  const root = element('div', `torchinspect-panel torchinspect-panel-${role}`);
  const heading = element('h3', 'torchinspect-group-title', HEADINGS[role]);
  if (first.name !== null && role !== 'values' && role !== 'grad') {
    // A tensor's name keeps its own case: `x.grad` is not `X.GRAD`.
    heading.append(': ', element('span', 'torchinspect-name', first.name));
  }
  root.appendChild(heading);
  el.appendChild(root);
  const parts = {
    statistics: mountStatistics(root, statisticsData(first)),
    histogram: mountHistogram(root, histogramData(first, title)),
    heatmap: mountHeatmap(root, heatmapData(first, first.preview, title))
  };
  let snapshot = first;
  root.classList.toggle('torchinspect-no-values', hasNoPicture(first));
  return {
    update(next) {
      snapshot = next;
      root.classList.toggle('torchinspect-no-values', hasNoPicture(next));
      parts.statistics.update(statisticsData(next));
      parts.histogram.update(histogramData(next, title));
      parts.heatmap.update(heatmapData(next, next.preview, title));
    },
    showPreview(preview) {
      parts.heatmap.update(heatmapData(snapshot, preview, title));
    },
    destroy() {
      Object.values(parts).forEach(part => part.destroy());
      root.remove();
    }
  };
}

/** No values (meta), or a single one: the statistics say all there is, without plots. */
function hasNoPicture(s: TensorSnapshot): boolean {
  return s.statistics === null || s.statistics.count <= 1;
}

function statisticsData(s: TensorSnapshot) {
  return { statistics: s.statistics, notComputed: s.not_computed.statistics };
}

function histogramData(s: TensorSnapshot, title: string) {
  return { histogram: s.histogram, label: labelOf(title, s.histogram?.of), statistics: s.statistics, notComputed: s.not_computed.histogram };
}

function heatmapData(s: TensorSnapshot, preview: TensorPreview | null, title: string) {
  return { preview, label: labelOf(title, preview?.of), notComputed: s.not_computed.preview };
}

/** "values", "grad", or "values: magnitude" where the numbers are not the values themselves. */
function labelOf(title: string, meaning: string | undefined): string {
  return meaning === undefined || meaning === 'values' ? title : `${title}: ${meaning}`;
}
