/**
 * The anywidget entry: feeds the `snapshot` trait of Python's `Inspector` to the inspector
 * view and its `graph` trait to the graph view, lets both ask the kernel (another slice, a
 * graph tensor's values), shows and sets whether it follows the kernel (`paused`, `gone`),
 * and removes its listeners and the views when the output is cleared.
 */

import type { AnyModel, Render } from '@anywidget/types';

import { parseGraphSnapshot } from '../core/schema';
import { mountComparison } from '../views/comparison';
import { mountGraph, type GraphData } from '../views/graph';
import { mountInspector } from '../views/inspector';
import { mountLiveBar } from '../views/livebar';
import type { View } from '../views/view';
import { Kind, type KernelRequests } from '../core/protocol';
import type { ComparisonModel, InspectorModel } from './model';
import { kernelRequests } from './requests';

/** One bundle for both widgets: a Comparison has a `comparison` trait, an Inspector not. */
const render: Render<InspectorModel & ComparisonModel> = props => {
  if (props.model.get('comparison') !== undefined) return renderComparison(props);
  return renderInspector(props);
};

const renderComparison: Render<ComparisonModel> = ({ model, el }) => {
  const view = mountComparison(el, model.get('comparison'));
  const onChange = (): void => view.update(model.get('comparison'));
  model.on('change:comparison', onChange);
  return () => {
    model.off('change:comparison', onChange);
    view.destroy();
  };
};

const renderInspector: Render<InspectorModel> = ({ model, el }) => {
  const requester = kernelRequests(model);
  const inspector = mountInspector(el, model.get('snapshot'), { requestPreview: requester.preview });
  const graph = graphSection(el, model, requester);
  const liveState = () => ({
    paused: model.get('paused'),
    gone: model.get('gone'),
    // A kernel from before this trait existed refreshed after every cell.
    followsCells: model.get('follows_cells') !== false
  });
  const liveBar = mountLiveBar(el, liveState(), {
    refresh: () => model.send({ kind: Kind.Refresh, id: 0 }),
    setPaused: paused => {
      model.set('paused', paused);
      model.save_changes();
    }
  });
  const onSnapshot = (): void => inspector.update(model.get('snapshot'));
  const onLive = (): void => liveBar.update(liveState());
  model.on('change:snapshot', onSnapshot);
  model.on('change:paused', onLive);
  model.on('change:follows_cells', onLive);
  model.on('change:gone', onLive);
  return () => {
    model.off('change:snapshot', onSnapshot);
    model.off('change:paused', onLive);
    model.off('change:follows_cells', onLive);
    model.off('change:gone', onLive);
    requester.dispose();
    liveBar.destroy();
    graph.destroy();
    inspector.destroy();
  };
};

/** The graph view under the inspector, there while the tensor has a graph. */
function graphSection(el: HTMLElement, model: AnyModel<InspectorModel>, requester: KernelRequests): { destroy(): void } {
  const section = document.createElement('section');
  section.className = 'torchinspect torchinspect-graph-section';
  section.setAttribute('aria-label', 'backward graph');
  let view: View<GraphData> | null = null;

  const show = (): void => {
    const data = model.get('graph');
    if (!('schema' in data)) {
      view?.destroy();
      view = null;
      section.remove();
      return;
    }
    // The gradients of the last backward() through this graph; {} (or no trait) until one ran.
    const next = { graph: parseGraphSnapshot(data), gradients: model.get('gradients') };
    if (view === null) {
      el.appendChild(section);
      view = mountGraph(section, next, { requestNodeTensor: requester.nodeTensor });
    } else {
      view.update(next);
    }
  };
  show();
  model.on('change:graph', show);
  model.on('change:gradients', show);
  return {
    destroy() {
      model.off('change:graph', show);
      model.off('change:gradients', show);
      view?.destroy();
      section.remove();
    }
  };
}

export default { render };
