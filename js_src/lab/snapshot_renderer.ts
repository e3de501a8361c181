/**
 * The static view of a saved inspector output: the snapshot stored under the torchinspect
 * MIME type, drawn by the same tensor view as the live widget (without the kernel, so
 * its slicer stays hidden).
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { TENSOR_MIME_TYPE } from '../core/schema';
import { mountTensorView, type TensorViewData } from '../views/tensor_view';
import type { View } from '../views/view';

export class SnapshotRenderer extends Widget implements IRenderMime.IRenderer {
  private view: View<TensorViewData> | null = null;

  constructor() {
    super();
    this.addClass('torchinspect-output');
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface wants a promise; drawing is synchronous
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[TENSOR_MIME_TYPE];
    if (this.view === null) {
      this.view = mountTensorView(this.node, { snapshot: data });
    } else {
      this.view.update({ snapshot: data });
    }
  }

  override dispose(): void {
    this.view?.destroy();
    this.view = null;
    super.dispose();
  }
}
