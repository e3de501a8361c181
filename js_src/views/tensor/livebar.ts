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
  onPress(refresh, () => actions.refresh());
  const pause = element('button', 'torchinspect-button', 'Pause live updates');
  pause.type = 'button';
  let current = state;
  onPress(pause, () => actions.setPaused(!current.paused));
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

/**
 * Run `act` as the mouse button goes down on `button`, not at the click that follows.
 *
 * A click needs the press and the release on the same element, and a notebook may move its
 * page between the two: right after a run JupyterLab still settles its cells as the press
 * makes this output's cell the active one, and the release then lands on another cell, so
 * no click comes and the press did nothing. Acting on the press loses no click. A touch still
 * acts at its click (a press there may start a scroll), and so do the keyboard and assistive
 * tools, whose clicks come alone (`detail` 0).
 */
function onPress(button: HTMLButtonElement, act: () => void): void {
  let actedOnPress = false;
  button.addEventListener('pointerdown', event => {
    actedOnPress = event.pointerType === 'mouse' && event.button === 0 && !button.disabled;
    if (actedOnPress) act();
  });
  button.addEventListener('click', event => {
    if (actedOnPress && event.detail > 0) return;
    act();
  });
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
