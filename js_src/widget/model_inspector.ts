/**
 * The anywidget entry of `inspect(model)` (Python's `ModelInspector`): feeds the `model` and
 * `parameter` traits to the model view, sends the page's selection back as `selected`, and
 * mounts the live bar; everything is removed, and the kernel told, when the output goes.
 */

import type { Render } from '@anywidget/types';

import type { ModelSnapshot } from '../core/model/model';
import { mountModelView } from '../views/model/model_view';
import { mountWidgetLiveBar } from './live_bar';
import { kernelRequests } from './requests';
import { listen } from './listen';

/** The traits of `torchinspect.model.widget.ModelInspector` that sync with the page. */
export interface ModelInspectorModel {
  model: ModelSnapshot;
  /** The tensor snapshot of the selected parameter; an empty object while none is. */
  parameter: object;
  /** Written by the page: the name of the parameter whose card is open. */
  selected: string;
  paused: boolean;
  gone: boolean;
  follows_cells: boolean;
  /** Set by the kernel: paused as of its cell, since a later cell showed new output. */
  superseded: boolean;
}

export const renderModelInspector: Render<ModelInspectorModel> = ({ model, el }) => {
  // The requests need only send and the custom messages, which every widget model has.
  const requests = kernelRequests(model as unknown as Parameters<typeof kernelRequests>[0]);
  const data = () => ({ model: model.get('model'), parameter: model.get('parameter') });
  const view = mountModelView(el, data(), {
    requests,
    select: name => {
      model.set('selected', name);
      model.save_changes();
    }
  });
  const liveState = () => ({
    paused: model.get('paused'),
    gone: model.get('gone'),
    followsCells: model.get('follows_cells'),
    seesEveryWrite: true,
    superseded: model.get('superseded'),
    subject: 'model'
  });
  const liveBar = mountWidgetLiveBar(el, model, liveState());
  const onData = (): void => view.update(data());
  const onLive = (): void => liveBar.update(liveState());
  const events = {
    'change:model': onData,
    'change:parameter': onData,
    'change:paused': onLive,
    'change:gone': onLive,
    'change:follows_cells': onLive,
    'change:superseded': onLive
  } as const;
  const stopListening = listen(model, events);
  return () => {
    stopListening();
    requests.dispose();
    liveBar.destroy();
    view.destroy();
  };
};

