/**
 * The anywidget entry of a DTensor's inspector (Python's `ShardedInspector`): the tensor view of
 * the snapshot every rank of the mesh took together, and the graph of the rank that shows it.
 * It has no live bar and makes no requests: a refresh or another slice needs every rank, and
 * only this one has a page. It tells the kernel as it opens and goes, as the tensor's does.
 */

import type { Render } from '@anywidget/types';

import { Kind } from '../core/protocol';
import type { GraphSnapshot, TensorSnapshot } from '../core/schema';
import { element } from '../views/dom';
import { mountTensorView } from '../views/tensor_view';

/** The traits of `torchinspect.distributed.widget.ShardedInspector`. */
export interface ShardedInspectorModel {
  /** Always true: what tells this widget from the others in the one bundle. */
  sharded: boolean;
  snapshot: TensorSnapshot;
  /** The backward graph behind the tensor on this rank; an empty object for a leaf. */
  graph: GraphSnapshot | Record<string, never>;
}

export const renderShardedInspector: Render<ShardedInspectorModel> = ({ model, el }) => {
  const note = element(
    'p',
    'torchinspect torchinspect-note torchinspect-sharded-note',
    'As every rank of the mesh took it together: call inspect(dtensor) on every rank again for a newer picture.'
  );
  el.appendChild(note);
  const data = () => ({ snapshot: model.get('snapshot'), graph: model.get('graph') });
  const view = mountTensorView(el, data());
  const onData = (): void => view.update(data());
  model.on('change:snapshot', onData);
  model.on('change:graph', onData);
  model.send({ kind: Kind.View, open: true });
  return () => {
    model.send({ kind: Kind.View, open: false });
    model.off('change:snapshot', onData);
    model.off('change:graph', onData);
    view.destroy();
    note.remove();
  };
};
