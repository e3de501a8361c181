/**
 * The JupyterLab extension. It renders the `application/vnd.torchinspect.tensor+json`
 * output that `inspect()` saves beside its live widget, with the same inspector view,
 * so that snapshots stored in a notebook show without a kernel.
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { TENSOR_MIME_TYPE } from '../core/schema';
import { mountInspector } from '../views/inspector';
import type { View } from '../views/view';

class SnapshotRenderer extends Widget implements IRenderMime.IRenderer {
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

const snapshotRenderer: IRenderMime.IExtension = {
  id: 'torchinspect:snapshot-renderer',
  description: 'Renders saved torchinspect tensor snapshots with the inspector card.',
  // After the live widget's renderer, before text/html: a live inspector wins,
  // and a stored snapshot is drawn as a card rather than as the HTML fallback.
  rank: 40,
  dataType: 'json',
  rendererFactory: {
    safe: true,
    mimeTypes: [TENSOR_MIME_TYPE],
    createRenderer: () => new SnapshotRenderer()
  }
};

export default snapshotRenderer;
