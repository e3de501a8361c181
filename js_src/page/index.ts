/**
 * The script of the pages torchinspect writes: it reads the data embedded in the page and mounts
 * the same views as the notebook, with no kernel behind them, so the slicer and the graph's
 * "Show" buttons stay hidden while pan, zoom, search and the heatmap read-outs work.
 *
 * - `torchinspect.export_html` writes one view: `<script type="application/json"
 *   id="torchinspect-data">`, drawn in `#torchinspect-page`;
 * - the nbconvert exporter (`--to torchinspect-html`) writes one per output:
 *   `<script type="application/json" class="torchinspect-data">`, each drawn where it stands.
 *
 * Built as one classic script (IIFE) that the exporters inline in the page: no module, no
 * network, no anywidget.
 */

import type { ComparisonSnapshot } from '../core/schema';
import type { WatchData } from '../core/watch/watch';
import { element } from '../views/dom';
import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView } from '../views/tensor_view';
import { mountWatchView } from '../views/watch/watch_view';

const DATA_ID = 'torchinspect-data';
const ROOT_ID = 'torchinspect-page';
const DATA_CLASS = 'torchinspect-data';

/** What the exporter embeds: an inspector's traits, a comparison, or a training watch. */
type PageData =
  | { kind: 'inspector'; snapshot: unknown; graph: unknown; gradients: unknown }
  | { kind: 'comparison'; comparison: ComparisonSnapshot }
  | { kind: 'watch'; watch: WatchData };

const KINDS = new Set(['inspector', 'comparison', 'watch']);

function mountPage(root: HTMLElement, data: PageData): void {
  if (data.kind === 'comparison') {
    mountComparison(root, data.comparison);
    return;
  }
  if (data.kind === 'watch') {
    mountWatchView(root, data.watch);
    return;
  }
  mountTensorView(root, data);
}

function readData(source: Element | null): PageData {
  const text = source?.textContent;
  if (!text) throw new Error(`torchinspect: this page has no #${DATA_ID} data; export it again with torchinspect.export_html.`);
  const data = JSON.parse(text) as PageData;
  if (!KINDS.has(data?.kind)) {
    throw new Error('torchinspect: this page holds no inspector, comparison or watch; export it again.');
  }
  return data;
}

function mountFrom(source: Element | null, root: HTMLElement): void {
  try {
    mountPage(root, readData(source));
  } catch (error) {
    root.appendChild(element('p', 'torchinspect torchinspect-error', (error as Error).message));
  }
}

const outputs = document.querySelectorAll(`script.${DATA_CLASS}`);
for (const source of outputs) {
  const root = document.createElement('div');
  source.before(root);
  mountFrom(source, root);
}
if (outputs.length === 0) mountFrom(document.getElementById(DATA_ID), document.getElementById(ROOT_ID) ?? document.body);
