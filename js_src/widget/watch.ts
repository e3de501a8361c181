/**
 * The anywidget entry of `torchinspect.watch(...)` (Python's `Watch`): feeds its `watch` trait
 * to the watch view as the kernel sends it, during the training cell too, and sends the
 * module the user clicks back as `shown_module`.
 */

import type { Render } from '@anywidget/types';

import type { WatchData } from '../core/watch/watch';
import { mountWatchView } from '../views/watch/watch_view';

/** The traits of `torchinspect.training.widget.Watch` that sync with the page. */
export interface WatchModel {
  watch: WatchData;
  /** Written by the page: the index of the module whose heatmaps are shown. */
  shown_module: number;
}

export const renderWatch: Render<WatchModel> = ({ model, el }) => {
  const view = mountWatchView(el, model.get('watch'), {
    select: index => {
      model.set('shown_module', index);
      model.save_changes();
    }
  });
  const onData = (): void => view.update(model.get('watch'));
  model.on('change:watch', onData);
  return () => {
    model.off('change:watch', onData);
    view.destroy();
  };
};
