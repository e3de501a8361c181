/**
 * The plot views for tests/e2e/plots_harness.html: window.plots mounts each view on a
 * host of its own, framed like the card, and hands tests its update and destroy.
 */

import { sharedScale } from '../../js_src/core/colormap';
import { previewValues } from '../../js_src/core/tensor/preview';
import type { TensorPreview } from '../../js_src/core/schema';
import { mountHeatmap, type HeatmapData } from '../../js_src/views/tensor/heatmap';
import { mountHistogram, type HistogramData } from '../../js_src/views/tensor/histogram';
import type { View } from '../../js_src/views/view';

const views = new Map<number, View<never>>();

function newHost(): { id: number; host: HTMLElement } {
  const id = views.size;
  const host = document.createElement('div');
  host.className = 'torchinspect torchinspect-card';
  host.dataset.view = String(id);
  document.getElementById('hosts')!.appendChild(host);
  return { id, host };
}

/** The preview's bytes as the live widget delivers them: a DataView, not base64. */
function asDataView(preview: TensorPreview): TensorPreview {
  const encoded = (preview.data as { base64: string }).base64;
  const bytes = Uint8Array.from(atob(encoded), character => character.charCodeAt(0));
  return { ...preview, data: new DataView(bytes.buffer) };
}

function keep<Data>(view: View<Data>, id: number): number {
  views.set(id, view);
  return id;
}

const plots = {
  histogram(data: HistogramData): number {
    const { id, host } = newHost();
    return keep(mountHistogram(host, data), id);
  },
  heatmap(data: HeatmapData, options: { dataView?: boolean } = {}): number {
    const { id, host } = newHost();
    const preview = options.dataView && data.preview ? asDataView(data.preview) : data.preview;
    return keep(mountHeatmap(host, { ...data, preview }), id);
  },
  /** Two heatmaps on one colour scale. */
  heatmapPair(first: HeatmapData, second: HeatmapData): number[] {
    const scale = sharedScale(previewValues(first.preview!), previewValues(second.preview!));
    return [plots.heatmap({ ...first, scale }), plots.heatmap({ ...second, scale })];
  },
  update(id: number, data: never): void {
    views.get(id)!.update(data);
  },
  destroy(id: number): void {
    views.get(id)!.destroy();
  }
};

(window as unknown as { plots: typeof plots }).plots = plots;
