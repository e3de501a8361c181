/**
 * One tensor's contents: the picture that teaches (the numbers themselves for a small tensor,
 * a line plot for 1-D, a heatmap otherwise), then its statistics and histogram, under a
 * heading. The inspector hands a second element, `more`, where the statistics and histogram
 * go behind its disclosure; a comparison keeps them in the panel.
 */

import { wholeDims } from '../../core/format';
import type { TensorPreview, TensorSnapshot } from '../../core/schema';
import { element } from '../dom';
import { mountHeatmap } from './heatmap';
import { mountHistogram } from './histogram';
import { mountLine } from './line';
import { mountStatistics } from './statistics';
import { mountValues } from './values';
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

type PictureKind = 'values' | 'line' | 'heatmap';

/** ``title`` names what the plots show ("values", "grad", or a tensor's name). */
export function mountTensorPanel(
  el: HTMLElement,
  role: PanelRole,
  first: TensorSnapshot,
  title: string = role,
  more?: HTMLElement
): TensorPanel {
  const root = element('div', `torchinspect-panel torchinspect-panel-${role}`);
  root.appendChild(heading(role, first));
  el.appendChild(root);
  const pictureSlot = element('div', 'torchinspect-picture');
  root.appendChild(pictureSlot);
  const extra = more === undefined ? root : element('div', `torchinspect-panel torchinspect-panel-${role}`);
  if (more !== undefined) {
    extra.appendChild(heading(role, first));
    more.appendChild(extra);
  }
  const statistics = mountStatistics(extra, statisticsData(first));
  const histogram = mountHistogram(extra, histogramData(first, title));
  let snapshot = first;
  let kind: PictureKind | null = null;
  let picture: View<TensorSnapshot> | null = null;
  let heatmap: ReturnType<typeof mountHeatmap> | null = null;

  const showPicture = (next: TensorSnapshot): void => {
    const wanted = pictureKind(next);
    if (wanted === kind && picture !== null) return picture.update(next);
    picture?.destroy();
    heatmap = null;
    kind = wanted;
    if (wanted === 'values') {
      const view = mountValues(pictureSlot, { values: next.values!, dtype: next.dtype });
      picture = { update: s => s.values && view.update({ values: s.values, dtype: s.dtype }), destroy: view.destroy };
    } else if (wanted === 'line') {
      const view = mountLine(pictureSlot, lineData(next, next.preview!, title));
      picture = { update: s => s.preview && view.update(lineData(s, s.preview, title)), destroy: view.destroy };
    } else {
      const view = (heatmap = mountHeatmap(pictureSlot, heatmapData(next, next.preview, title)));
      picture = { update: s => view.update(heatmapData(s, s.preview, title)), destroy: view.destroy };
    }
  };
  showPicture(first);
  root.classList.toggle('torchinspect-no-values', hasNoPicture(first));
  return {
    update(next) {
      snapshot = next;
      root.classList.toggle('torchinspect-no-values', hasNoPicture(next));
      statistics.update(statisticsData(next));
      histogram.update(histogramData(next, title));
      showPicture(next);
    },
    showPreview(preview) {
      heatmap?.update(heatmapData(snapshot, preview, title));
    },
    destroy() {
      statistics.destroy();
      histogram.destroy();
      picture?.destroy();
      if (extra !== root) extra.remove();
      root.remove();
    }
  };
}

function heading(role: PanelRole, first: TensorSnapshot): HTMLElement {
  const node = element('h3', 'torchinspect-group-title', HEADINGS[role]);
  if (first.name !== null && role !== 'values' && role !== 'grad') {
    // A tensor's name keeps its own case: `x.grad` is not `X.GRAD`.
    node.append(': ', element('span', 'torchinspect-name', first.name));
  }
  return node;
}

/** The numbers themselves when the snapshot holds them; a line for 1-D; else the heatmap. */
function pictureKind(s: TensorSnapshot): PictureKind {
  if (s.values !== undefined && s.values !== null) return 'values';
  if (s.preview !== null && s.preview.shape.length === 1) return 'line';
  return 'heatmap';
}

/** No values (meta), or a single one shown as its number: no plots. */
function hasNoPicture(s: TensorSnapshot): boolean {
  return s.statistics === null || s.statistics.count <= 1;
}

function statisticsData(s: TensorSnapshot) {
  return { statistics: s.statistics, notComputed: s.not_computed.statistics, parts: s.complex_parts ?? null };
}

function histogramData(s: TensorSnapshot, title: string) {
  return { histogram: s.histogram, label: labelOf(title, s.histogram?.of), statistics: s.statistics, notComputed: s.not_computed.histogram };
}

function lineData(s: TensorSnapshot, preview: TensorPreview, title: string) {
  return { preview, label: labelOf(title, preview.of), length: wholeDims(s.shape)?.[0] ?? preview.shape[0] * preview.block[0] };
}

function heatmapData(s: TensorSnapshot, preview: TensorPreview | null, title: string) {
  return { preview, label: labelOf(title, preview?.of), notComputed: s.not_computed.preview, statistics: s.statistics };
}

/** "values", "grad", or "values: magnitude" where the numbers are not the values themselves. */
function labelOf(title: string, meaning: string | undefined): string {
  return meaning === undefined || meaning === 'values' ? title : `${title}: ${meaning}`;
}
