/** The read-out line under a plot: what the pointer or the keyboard cursor is on. */

import { element } from '../dom';

/** Announced to screen readers when it changes; shows `hint` when nothing is pointed at. */
export function readOutLine(hint: string): { node: HTMLOutputElement; show(text: string | null): void } {
  const node = element('output', 'torchinspect-plot-readout');
  node.setAttribute('aria-live', 'polite');
  const show = (text: string | null): void => {
    node.textContent = text ?? hint;
    node.classList.toggle('is-hint', text === null);
  };
  show(null);
  return { node, show };
}
