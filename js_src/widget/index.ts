/**
 * The anywidget entry: feeds the `snapshot`, `graph` and `gradients` traits of Python's
 * `Inspector` to the tensor view, with the requests it may make of the kernel (another slice,
 * a graph tensor's values), shows and sets whether it follows the kernel (`paused`, `gone`),
 * and removes its listeners and the views when the output is cleared, telling the kernel
 * that this view went.
 */

import type { Render } from '@anywidget/types';

import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView } from '../views/tensor_view';
import type { ComparisonModel, InspectorModel } from './model';
import { renderModelInspector, type ModelInspectorModel } from './model_inspector';
import { renderWatch, type WatchModel } from './watch';
import { renderNanReport, type NanReportModel } from './nan_report';
import { mountWidgetLiveBar } from './live_bar';
import { kernelRequests } from './requests';
import { listen } from './listen';
import { renderShardedInspector, type ShardedInspectorModel } from './sharded_inspector';

/** One bundle for every widget: a Comparison has a `comparison` trait, a ModelInspector a `model`, a Watch a `watch`, a ShardedInspector `sharded`, an Inspector none of them. */
const render: Render<InspectorModel & ComparisonModel & ModelInspectorModel & NanReportModel & ShardedInspectorModel & WatchModel> = props => {
  if (props.model.get('comparison') !== undefined) return renderComparison(props);
  if (props.model.get('nan_report') !== undefined) return renderNanReport(props);
  if (props.model.get('model') !== undefined) return renderModelInspector(props);
  if (props.model.get('watch') !== undefined) return renderWatch(props);
  if (props.model.get('sharded') === true) return renderShardedInspector(props);
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
  const requests = kernelRequests(model);
  const data = () => ({ snapshot: model.get('snapshot'), graph: model.get('graph'), gradients: model.get('gradients') });
  const view = mountTensorView(el, data(), { requests });
  const liveState = () => ({
    paused: model.get('paused'),
    gone: model.get('gone'),
    // A kernel from before this trait existed refreshed after every cell.
    followsCells: model.get('follows_cells') !== false,
    seesEveryWrite: model.get('sees_every_write') !== false,
    superseded: model.get('superseded') === true
  });
  const liveBar = mountWidgetLiveBar(el, model, liveState());
  const onData = (): void => view.update(data());
  const onLive = (): void => liveBar.update(liveState());
  const events = {
    'change:snapshot': onData,
    'change:graph': onData,
    'change:gradients': onData,
    'change:paused': onLive,
    'change:follows_cells': onLive,
    'change:sees_every_write': onLive,
    'change:superseded': onLive,
    'change:gone': onLive
  } as const;
  const stopListening = listen(model, events);
  return () => {
    stopListening();
    requests.dispose();
    liveBar.destroy();
    view.destroy();
  };
};

export default { render };
