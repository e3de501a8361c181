/**
 * The live bar of a widget that follows the kernel (a tensor's or a model's inspector):
 * Refresh asks the kernel for a new snapshot, Pause and Resume write the `paused` trait.
 */

import { Kind } from '../core/protocol';
import type { View } from '../views/view';
import { type LiveState, mountLiveBar } from '../views/tensor/livebar';

/** What the bar needs of a widget's model: the one trait the page may write, and messages. */
export interface PausableModel {
  send(content: unknown): void;
  set(key: 'paused', value: boolean): void;
  save_changes(): void;
}

export function mountWidgetLiveBar(el: HTMLElement, model: PausableModel, state: LiveState): View<LiveState> {
  return mountLiveBar(el, state, {
    refresh: () => model.send({ kind: Kind.Refresh, id: 0 }),
    setPaused: paused => {
      model.set('paused', paused);
      model.save_changes();
    }
  });
}
