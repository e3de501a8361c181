// @vitest-environment happy-dom
/**
 * The 'show all' button beside a shortened name (views/graph/full_text.ts) as a keyboard user
 * meets it: the focus stays in the details panel once the whole text replaced the button, and
 * back on the button after a refusal; a refusal asked again is said once, not once a try; the
 * panel's heading, where it named the node by the shortened text, shows the whole text too.
 */

import { describe, expect, it } from 'vitest';
import type { FullText } from '../../js_src/core/protocol';
import { offerFullText } from '../../js_src/views/graph/full_text';
import { node } from './graph_shapes';

const SHORTENED = 'a'.repeat(133) + '…' + 'b'.repeat(66);

/** The details panel's Node list as details.ts makes it, its name shortened; its value element too. */
function detailsWithName(): { details: HTMLElement; value: HTMLElement } {
  const details = document.body.appendChild(document.createElement('aside'));
  const fields = details.appendChild(document.createElement('dl'));
  fields.className = 'torchinspect-graph-details-fields';
  const label = fields.appendChild(document.createElement('dt'));
  label.className = 'torchinspect-graph-details-label';
  label.textContent = 'name';
  const value = fields.appendChild(document.createElement('dd'));
  value.className = 'torchinspect-graph-details-value';
  value.textContent = SHORTENED;
  return { details, value };
}

/** Presses the button as the keyboard does (focused, then clicked) and waits for the answer to be shown. */
async function press(button: HTMLButtonElement): Promise<void> {
  button.focus();
  button.click();
  await new Promise(resolve => setTimeout(resolve, 0));
}

describe('the show all button of a shortened name', () => {
  it('leaves the focus on the whole text it brought, not on the page', async () => {
    const { details, value } = detailsWithName();
    const whole = 'a'.repeat(400);
    offerFullText(details, node('n1', 'leaf', 'AccumulateGrad', { name: SHORTENED }), () => Promise.resolve<FullText>({ text: whole, length: whole.length }));
    await press(details.querySelector('button')!);
    expect(value.textContent).toBe(whole);
    expect(document.activeElement).toBe(value);
  });

  it('shows the whole text in the heading too, where the heading named the node by it', async () => {
    const { details } = detailsWithName();
    const heading = details.insertBefore(document.createElement('h3'), details.firstChild);
    heading.className = 'torchinspect-graph-details-title';
    heading.textContent = SHORTENED;
    const whole = 'a'.repeat(400);
    offerFullText(details, node('n1', 'leaf', 'AccumulateGrad', { name: SHORTENED }), () => Promise.resolve<FullText>({ text: whole, length: 90_000 }));
    await press(details.querySelector('button')!);
    expect(heading.textContent).toBe(`${whole}…`); // the first characters of 90,000, as the value below says
  });

  it('says a refusal once however often it is asked again, the focus back on the button', async () => {
    const { details, value } = detailsWithName();
    const refuse = (): Promise<FullText> => Promise.reject(new Error('torchinspect: the tensor is gone (deleted in the kernel), and its graph with it'));
    offerFullText(details, node('n1', 'leaf', 'AccumulateGrad', { name: SHORTENED }), refuse);
    const button = details.querySelector('button')!;
    await press(button);
    await press(button);
    const said = [...value.querySelectorAll('.torchinspect-error')].map(error => error.textContent?.trim());
    expect(said).toEqual(['The kernel says: the tensor is gone (deleted in the kernel), and its graph with it']);
    expect(button.textContent).toBe('show all');
    expect(document.activeElement).toBe(button);
  });
});
