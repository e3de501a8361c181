/**
 * The standalone page that `torchinspect.export_html` writes: it reads the data embedded in
 * the page (`<script type="application/json" id="torchinspect-data">`) and mounts the same
 * views as the notebook, with no kernel behind them, so the slicer and the graph's "Show"
 * buttons stay hidden while pan, zoom, search and the heatmap read-outs work.
 *
 * Built as one classic script (IIFE) that the exporter inlines in the page: no module, no
 * network, no anywidget.
 */

import type { ComparisonSnapshot } from '../core/schema';
import { element } from '../views/dom';
import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView } from '../views/tensor_view';

const DATA_ID = 'torchinspect-data';
const ROOT_ID = 'torchinspect-page';

/** What the exporter embeds: an inspector's traits, or a comparison. */
type PageData =
  | { kind: 'inspector'; snapshot: unknown; graph: unknown; gradients: unknown }
  | { kind: 'comparison'; comparison: ComparisonSnapshot };

function mountPage(root: HTMLElement, data: PageData): void {
  if (data.kind === 'comparison') {
    mountComparison(root, data.comparison);
    return;
  }
  mountTensorView(root, data);
}

function readData(): PageData {
  const text = document.getElementById(DATA_ID)?.textContent;
  if (!text) throw new Error(`torchinspect: this page has no #${DATA_ID} data; export it again with torchinspect.export_html.`);
  const data = JSON.parse(text) as PageData;
  if (data?.kind !== 'inspector' && data?.kind !== 'comparison') {
    throw new Error('torchinspect: this page holds no inspector or comparison; export it again with torchinspect.export_html.');
  }
  return data;
}

const root = document.getElementById(ROOT_ID) ?? document.body;
try {
  mountPage(root, readData());
} catch (error) {
  root.appendChild(element('p', 'torchinspect torchinspect-error', (error as Error).message));
}
