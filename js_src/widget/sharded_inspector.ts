/**
 * The anywidget entry of a DTensor's inspector (Python's `ShardedInspector`): the tensor view of
 * the snapshot every rank of the mesh took together, and the graph of the rank that shows it.
 * It has no live bar and asks only for the units its graph was sent without, which this rank walks alone: a refresh or
 * another slice needs every rank, and only this one has a page; each rank's own block, which that rank sent at the call,
 * can be shown. It tells the kernel as it opens and goes, as the tensor's does.
 */

import type { Render } from '@anywidget/types';

import type { GraphSnapshot, TensorSnapshot } from '../core/schema';
import { element } from '../views/dom';
import { mountBlockPicker } from '../views/tensor/block_picker';
import { mountTensorView } from '../views/tensor_view';
import { listen } from './listen';
import { kernelRequests } from './requests';

/** The traits of `torchinspect.distributed.widget.ShardedInspector`. */
export interface ShardedInspectorModel {
  /** Always true: what tells this widget from the others in the one bundle. */
  sharded: boolean;
  snapshot: TensorSnapshot;
  /** The backward graph behind the tensor on this rank; an empty object for a leaf. */
  graph: GraphSnapshot | Record<string, never>;
  /** Each of the first ranks' own blocks, snapshot by that rank; empty where none were gathered. */
  blocks: TensorSnapshot[];
}

export const renderShardedInspector: Render<ShardedInspectorModel> = ({ model, el }) => {
  const note = element(
    'p',
    'torchinspect torchinspect-note torchinspect-sharded-note',
    'As every rank of the mesh took it together: call inspect(dtensor) on every rank again for a newer picture.'
  );
  el.appendChild(note);
  // The page shows the global tensor or one rank's block, all sent by the kernel at the call.
  let shown: TensorSnapshot | null = null;
  const data = () => ({ snapshot: shown ?? model.get('snapshot'), graph: model.get('graph') });
  const removePicker = mountBlockPicker(note, model.get('snapshot'), model.get('blocks') ?? [], picked => {
    shown = picked;
    view.update(data());
  });
  const requests = kernelRequests(model as unknown as Parameters<typeof kernelRequests>[0]);
  const view = mountTensorView(el, data(), { requests: { graphPart: requests.graphPart } });
  const onData = (): void => view.update(data());
  const stopListening = listen(model, { 'change:snapshot': onData, 'change:graph': onData });
  return () => {
    stopListening();
    requests.dispose();
    view.destroy();
    removePicker();
    note.remove();
  };
};
