/**
 * One tensor's contents: its statistics, histogram and heatmap, titled "values" or "grad".
 * The inspector shows the gradient's panel beside the values', laid out the same way.
 */

import type { TensorPreview, TensorSnapshot } from '../core/schema';
import { element } from './dom';
import { mountHeatmap } from './heatmap';
import { mountHistogram } from './histogram';
import { mountStatistics } from './statistics';
import type { View } from './view';

export interface TensorPanel extends View<TensorSnapshot> {
  /** Show another slice, fetched from the kernel, in the heatmap. */
  showPreview(preview: TensorPreview): void;
}

export function mountTensorPanel(el: HTMLElement, title: 'values' | 'grad', first: TensorSnapshot): TensorPanel {
  const root = element('div', `torchinspect-panel torchinspect-panel-${title}`);
  root.appendChild(element('h3', 'torchinspect-group-title', title === 'grad' ? 'Gradient (.grad)' : 'Values'));
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
