// @vitest-environment happy-dom
/**
 * The live bar's buttons act as the mouse button goes down: a notebook that moves its page
 * between the press and the release (JupyterLab, right after a run) leaves no click, and the
 * user's one click must still show the latest. Keyboard and touch clicks act as before.
 */
import { describe, expect, it } from 'vitest';

import { mountLiveBar, type LiveState } from '../../js_src/views/tensor/livebar';

const HELD: LiveState = { paused: true, superseded: true, gone: false, followsCells: true, seesEveryWrite: true };

function heldBar() {
  const el = document.createElement('div');
  document.body.append(el);
  const asked: boolean[] = [];
  const view = mountLiveBar(el, HELD, { refresh: () => undefined, setPaused: paused => asked.push(paused) });
  const button = [...el.querySelectorAll('button')].find(b => b.textContent === 'Show latest');
  if (!button) throw new Error('the held bar offers no Show latest');
  return { button, asked, view };
}

const press = (button: HTMLElement, pointerType: string) =>
  button.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, button: 0, pointerType }));
const click = (button: HTMLElement, detail: number) => button.dispatchEvent(new MouseEvent('click', { bubbles: true, detail }));

describe('the live bar', () => {
  it('shows the latest on a mouse press whose release lands elsewhere, as after a page that moved', () => {
    const { button, asked } = heldBar();
    press(button, 'mouse');
    expect(asked).toEqual([false]);
  });

  it('acts once for a mouse press and the click that follows it', () => {
    const { button, asked } = heldBar();
    press(button, 'mouse');
    click(button, 1);
    expect(asked).toEqual([false]);
  });

  it('acts on the click of a touch, and of the keyboard even right after a mouse press', () => {
    const touched = heldBar();
    press(touched.button, 'touch');
    expect(touched.asked).toEqual([]);
    click(touched.button, 1);
    expect(touched.asked).toEqual([false]);
    const keyed = heldBar();
    press(keyed.button, 'mouse');
    click(keyed.button, 0);
    expect(keyed.asked).toEqual([false, false]);
  });

  it('does nothing on a press once the tensor is gone', () => {
    const { button, asked, view } = heldBar();
    view.update({ ...HELD, gone: true });
    press(button, 'mouse');
    expect(asked).toEqual([]);
  });
});
