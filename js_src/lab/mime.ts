/**
 * The MIME renderer extension: draws `application/vnd.torchinspect.tensor+json` outputs (the
 * snapshot `inspect()` saves beside its live widget, with its graph, or one displayed by hand)
 * and `compare()`'s saved comparisons with the live widget's views, anywhere JupyterLab renders
 * outputs. In notebooks, the saved-outputs plugin decides between this static view and the live
 * widget (see saved_outputs.ts).
 */

import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { SAVED_MIME_TYPES, SnapshotRenderer } from './snapshot_renderer';

const snapshotRenderer: IRenderMime.IExtension = {
  id: 'torchinspect:snapshot-renderer',
  description: 'Renders saved torchinspect tensor snapshots with the inspector card.',
  // After the live widget's renderer, before text/html: a live inspector wins,
  // and a stored snapshot is drawn as a card rather than as the HTML fallback.
  rank: 40,
  dataType: 'json',
  rendererFactory: {
    safe: true,
    mimeTypes: SAVED_MIME_TYPES,
    createRenderer: () => new SnapshotRenderer()
  }
};

export default snapshotRenderer;
