/**
 * The controls that replay a recorded backward pass: first, back, play or pause, next, the
 * whole pass, and a slider over the steps; ← and → step while the controls have the focus.
 * They only report actions; the gradient-flow view keeps the state (core/backward_steps.ts).
 */

import type { StepAction, StepState } from '../../core/gradients/steps';
import { element, labelledButtons } from '../dom';

export interface StepControls {
  root: HTMLElement;
  /** Shows the state: `label` says what runs at this step. */
  show(state: StepState, count: number, label: string): void;
}

export function stepControls(dispatch: (action: StepAction) => void, signal: AbortSignal): StepControls {
  const root = element('div', 'torchinspect-steps');
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', 'step through the backward pass: ← and → move one step');
  const buttons = labelledButtons({
    first: ['⇤', 'first step'], back: ['←', 'previous step'], toggle: ['▶ play', 'play'], next: ['→', 'next step'], last: ['⇥', 'the whole pass']
  }, 'torchinspect-graph-button torchinspect-steps-button');
  const slider = element('input', 'torchinspect-steps-slider');
  slider.type = 'range';
  slider.min = '0';
  slider.step = '1';
  slider.setAttribute('aria-label', 'backward step');
  const where = element('output', 'torchinspect-steps-where');
  where.setAttribute('aria-live', 'polite');
  root.append(element('span', 'torchinspect-steps-title', 'backward'), ...Object.values(buttons), slider, where);

  for (const [kind, node] of Object.entries(buttons)) {
    node.addEventListener('click', () => dispatch({ kind: kind as keyof typeof buttons }), { signal });
  }
  slider.addEventListener('input', () => dispatch({ kind: 'seek', at: Number(slider.value) }), { signal });
  root.addEventListener('keydown', event => {
    // The slider moves itself with the arrows, and reports it as input.
    if (event.target === slider) return;
    const action = KEYS[event.key];
    if (action === undefined) return;
    event.preventDefault();
    dispatch({ kind: action });
  }, { signal });

  return {
    root,
    show(state, count, label) {
      slider.max = String(count);
      slider.value = String(state.at);
      slider.setAttribute('aria-valuetext', label);
      where.textContent = label;
      const name = state.playing ? 'pause' : 'play';
      buttons.toggle.textContent = state.playing ? '‖ pause' : '▶ play';
      buttons.toggle.title = name;
      buttons.toggle.setAttribute('aria-label', name);
      // aria-disabled, not disabled: a disabled button drops the focus, and with it the arrow keys.
      for (const node of [buttons.first, buttons.back]) node.setAttribute('aria-disabled', String(state.at === 0));
      for (const node of [buttons.next, buttons.last]) node.setAttribute('aria-disabled', String(state.at >= count));
    }
  };
}

const KEYS: Record<string, 'back' | 'next' | 'first' | 'last'> = {
  ArrowLeft: 'back',
  ArrowRight: 'next',
  Home: 'first',
  End: 'last'
};
