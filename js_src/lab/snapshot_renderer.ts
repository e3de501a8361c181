/**
 * The static view of a saved output: the data stored beside the live widget, drawn by the same
 * views as the live widget, without the kernel (so the slicer, the graph's "Show" buttons and a
 * model's parameter cards stay hidden). An inspector's output stores its snapshot under the
 * tensor MIME type and, when the tensor has a graph, the graph and the gradients of its last
 * backward() under their own; a comparison's output stores the comparison; a find_nan report's,
 * the report; `inspect(model)`'s, the model snapshot; a training watch's, its last payload.
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { MODEL_MIME_TYPE, type ModelSnapshot } from '../core/model/model';
import { NAN_MIME_TYPE } from '../core/nan/report';
import { COMPARISON_MIME_TYPE, GRADIENTS_MIME_TYPE, GRAPH_MIME_TYPE, TENSOR_MIME_TYPE, type ComparisonSnapshot } from '../core/schema';
import { WATCH_MIME_TYPE, type WatchData } from '../core/watch/watch';
import { mountModelView } from '../views/model/model_view';
import { mountNanReport } from '../views/nan/report_view';
import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView } from '../views/tensor_view';
import type { View } from '../views/view';
import { mountWatchView } from '../views/watch/watch_view';

type Bundle = IRenderMime.IMimeModel['data'];

/** A view mounted from, and updated with, an output's whole MIME bundle. */
type MountSaved = (el: HTMLElement, bundle: Bundle) => View<Bundle>;

/** `mount` fed with what `read` takes out of the bundle. */
function fromBundle<Data>(mount: (el: HTMLElement, data: Data) => View<Data>, read: (bundle: Bundle) => Data): MountSaved {
  return (el, bundle) => {
    const view = mount(el, read(bundle));
    return { update: next => view.update(read(next)), destroy: () => view.destroy() };
  };
}

/** Each saved MIME type, the one that names what the output shows, with its view; the first present wins. */
const SAVED_VIEWS: [string, MountSaved][] = [
  [
    TENSOR_MIME_TYPE,
    fromBundle(mountTensorView, bundle => ({ snapshot: bundle[TENSOR_MIME_TYPE], graph: bundle[GRAPH_MIME_TYPE], gradients: bundle[GRADIENTS_MIME_TYPE] }))
  ],
  [NAN_MIME_TYPE, fromBundle(mountNanReport, bundle => bundle[NAN_MIME_TYPE])],
  // As compare() wrote it; its tensors' snapshots are checked as the view parses them.
  [COMPARISON_MIME_TYPE, fromBundle(mountComparison, bundle => bundle[COMPARISON_MIME_TYPE] as unknown as ComparisonSnapshot)],
  [MODEL_MIME_TYPE, fromBundle(mountModelView, bundle => ({ model: bundle[MODEL_MIME_TYPE] as unknown as ModelSnapshot, parameter: {} }))],
  [WATCH_MIME_TYPE, fromBundle(mountWatchView, bundle => bundle[WATCH_MIME_TYPE] as unknown as WatchData)]
];

/** The MIME types a saved output is drawn from, each naming what the output shows. */
export const SAVED_MIME_TYPES = SAVED_VIEWS.map(([mimeType]) => mimeType);

export class SnapshotRenderer extends Widget implements IRenderMime.IRenderer {
  private shown: { mimeType: string; view: View<Bundle> } | null = null;

  constructor() {
    super();
    this.addClass('torchinspect-output');
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface wants a promise; drawing is synchronous
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const [mimeType, mount] = SAVED_VIEWS.find(([type]) => type in model.data) ?? SAVED_VIEWS[0];
    if (this.shown?.mimeType === mimeType) {
      this.shown.view.update(model.data);
      return;
    }
    this.shown?.view.destroy();
    this.shown = { mimeType, view: mount(this.node, model.data) };
  }

  override dispose(): void {
    this.shown?.view.destroy();
    this.shown = null;
    super.dispose();
  }
}
