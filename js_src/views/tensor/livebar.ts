/**
 * The live bar: whether the inspector follows the kernel. A refresh button, a pause toggle
 * where cells refresh the view (Show latest when the kernel held the view as of its cell), and,
 * once the tensor is freed, a line saying the picture is the last one.
 */

import { element } from '../dom';
import type { View } from '../view';

export interface LiveState {
  paused: boolean;
  gone: boolean;
  /** Whether the host refreshes the view after each cell (IPython does; marimo does not). */
  followsCells: boolean;
  /** Whether a refresh sees writes the version counter misses (`t.data`, shared NumPy memory). */
  seesEveryWrite: boolean;
  /** Paused by the kernel: the view stays as of its cell, since a later cell showed new output. */
  superseded?: boolean;
  /** What the view shows, as its words name it: 'tensor' unless said ('model'). */
  subject?: string;
}

export interface LiveActions {
  refresh(): void;
  setPaused(paused: boolean): void;
}

export function mountLiveBar(el: HTMLElement, state: LiveState, actions: LiveActions): View<LiveState> {
  const root = element('div', 'torchinspect torchinspect-livebar');
  const status = element('span', 'torchinspect-note torchinspect-live-status');
  status.setAttribute('role', 'status');
  const refresh = element('button', 'torchinspect-button', 'Refresh');
  refresh.type = 'button';
  refresh.addEventListener('click', () => actions.refresh());
  const pause = element('button', 'torchinspect-button', 'Pause live updates');
  pause.type = 'button';
  let current = state;
  pause.addEventListener('click', () => actions.setPaused(!current.paused));
  root.append(status, refresh, pause);
  el.prepend(root);

  const update = (next: LiveState): void => {
    current = next;
    pause.setAttribute('aria-pressed', String(next.paused));
    pause.textContent = next.paused ? (next.superseded ? 'Show latest' : 'Resume live updates') : 'Pause live updates';
    refresh.disabled = pause.disabled = next.gone;
    pause.hidden = !next.followsCells;
    status.textContent = statusText(next);
    root.classList.toggle('is-gone', next.gone);
  };
  update(state);
  return { update, destroy: () => root.remove() };
}

function statusText(state: LiveState): string {
  const subject = state.subject ?? 'tensor';
  if (state.gone) return `The ${subject} no longer exists in the kernel: this is its last picture.`;
  if (!state.followsCells) return `Shows the ${subject} as it was when drawn: press Refresh to update.`;
  if (state.paused && state.superseded) {
    return `As of its cell: a later cell showed new output, so this view keeps its picture. Show latest follows the ${subject} from here on.`;
  }
  if (state.paused) return 'Paused: cells leave this view as it is.';
  if (!state.seesEveryWrite) {
    return 'Live: updates after each cell that changes the tensor. A write through .data or a NumPy array sharing its memory shows on Refresh.';
  }
  return `Live: updates after each cell that changes the ${subject}.`;
}
