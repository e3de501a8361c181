/**
 * The static view of a saved output: the data stored beside the live widget, drawn by the same
 * views as the live widget, without the kernel (so the slicer and the graph's "Show" buttons stay
 * hidden). An inspector's output stores its snapshot under the tensor MIME type and, when the
 * tensor has a graph, the graph and the gradients of its last backward() under their own; a
 * comparison's output stores the comparison; a find_nan report's, the report.
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { NAN_MIME_TYPE } from '../core/nan/report';
import { COMPARISON_MIME_TYPE, GRADIENTS_MIME_TYPE, GRAPH_MIME_TYPE, TENSOR_MIME_TYPE, type ComparisonSnapshot } from '../core/schema';
import { mountNanReport } from '../views/nan/report_view';
import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView, type TensorViewData } from '../views/tensor_view';
import type { View } from '../views/view';

/** The MIME types a saved output is drawn from, each naming what the output shows. */
export const SAVED_MIME_TYPES = [TENSOR_MIME_TYPE, COMPARISON_MIME_TYPE, NAN_MIME_TYPE];

export class SnapshotRenderer extends Widget implements IRenderMime.IRenderer {
  private tensorView: View<TensorViewData> | null = null;
  private comparisonView: View<ComparisonSnapshot> | null = null;
  private reportView: View<unknown> | null = null;

  constructor() {
    super();
    this.addClass('torchinspect-output');
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface wants a promise; drawing is synchronous
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    if (TENSOR_MIME_TYPE in model.data) return this.renderTensor(model.data);
    if (NAN_MIME_TYPE in model.data) return this.renderReport(model.data[NAN_MIME_TYPE]);
    // As compare() wrote it; its tensors' snapshots are checked as the view parses them.
    const comparison = model.data[COMPARISON_MIME_TYPE] as unknown as ComparisonSnapshot;
    if (this.comparisonView === null) {
      this.comparisonView = mountComparison(this.node, comparison);
    } else {
      this.comparisonView.update(comparison);
    }
  }

  override dispose(): void {
    this.tensorView?.destroy();
    this.comparisonView?.destroy();
    this.reportView?.destroy();
    this.tensorView = null;
    this.comparisonView = null;
    this.reportView = null;
    super.dispose();
  }

  private renderReport(report: unknown): void {
    if (this.reportView === null) {
      this.reportView = mountNanReport(this.node, report);
    } else {
      this.reportView.update(report);
    }
  }

  private renderTensor(bundle: IRenderMime.IMimeModel['data']): void {
    const data = { snapshot: bundle[TENSOR_MIME_TYPE], graph: bundle[GRAPH_MIME_TYPE], gradients: bundle[GRADIENTS_MIME_TYPE] };
    if (this.tensorView === null) {
      this.tensorView = mountTensorView(this.node, data);
    } else {
      this.tensorView.update(data);
    }
  }
}
