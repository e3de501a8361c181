/**
 * The static view of a saved inspector output: the snapshot stored under the torchinspect
 * MIME type, drawn by the same inspector view as the live widget (without the kernel, so
 * its slicer stays hidden).
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { TENSOR_MIME_TYPE } from '../core/schema';
import { mountInspector } from '../views/inspector';
import type { View } from '../views/view';

export class SnapshotRenderer extends Widget implements IRenderMime.IRenderer {
  private inspector: View<unknown> | null = null;

  constructor() {
    super();
    this.addClass('torchinspect-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[TENSOR_MIME_TYPE];
    if (this.inspector === null) {
      this.inspector = mountInspector(this.node, data, {});
    } else {
      this.inspector.update(data);
    }
  }

  dispose(): void {
    this.inspector?.destroy();
    this.inspector = null;
    super.dispose();
  }
}
