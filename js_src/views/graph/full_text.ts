/**
 * A graph node's name or op that the kernel sent shortened (graph/long_texts.py: its head and its
 * tail around an ellipsis, 200 characters in all) shows whole on request: in the details panel,
 * its value gets a button that asks the kernel for the text, which it reads from the inspected
 * tensor's graph walked again (the tensor held weakly, as for a node's values).
 */

import { formatCount } from '../../core/format';
import type { FullTextRequest, KernelRequests } from '../../core/protocol';
import type { GraphNode } from '../../core/schema';
import { element } from '../dom';

/** As graph/long_texts.py shortens a text: 200 characters, the ellipsis after the first two thirds. */
const SHORTENED_LENGTH = 200;
const ELLIPSIS_AT = Math.floor((SHORTENED_LENGTH * 2) / 3);

/** The details panel's labels of the node's texts the kernel may have shortened. */
const FIELDS: Record<string, FullTextRequest['field']> = { op: 'op', 'forward op': 'forward_op', name: 'name' };

export type RequestFullText = NonNullable<KernelRequests['fullText']>;

/** Whether the text is as long as a shortened one and has its ellipsis where shortening puts it. */
export function isShortened(text: string | null): boolean {
  return text !== null && text.length === SHORTENED_LENGTH && text[ELLIPSIS_AT] === '…';
}

/**
 * Puts a button beside each of the node's shortened texts in `details` (its first list, the Node
 * section). The whole text replaces the shortened one in the panel's heading too, where it is that text.
 */
export function offerFullText(details: HTMLElement, node: GraphNode, ask: RequestFullText): void {
  const heading = details.querySelector<HTMLElement>('.torchinspect-graph-details-title');
  const fields = details.querySelector('.torchinspect-graph-details-fields');
  for (const label of fields?.querySelectorAll<HTMLElement>('.torchinspect-graph-details-label') ?? []) {
    const field = FIELDS[label.textContent ?? ''];
    const value = label.nextElementSibling;
    if (field === undefined || !(value instanceof HTMLElement) || !isShortened(node[field])) continue;
    const button = element('button', 'torchinspect-button torchinspect-graph-full-text', 'show all');
    button.type = 'button';
    button.setAttribute('aria-label', `show the whole ${label.textContent ?? ''}, which was sent shortened`);
    const title = heading?.textContent === node[field] ? heading : null;
    button.addEventListener('click', () => void showWhole({ value, title }, button, () => ask({ node: node.id, field })));
    value.append(' ', button);
  }
}

/** Where a text is shown shortened: its value in the Node list, and the panel's heading where that is the text too. */
interface ShownAt {
  value: HTMLElement;
  title: HTMLElement | null;
}

async function showWhole({ value, title }: ShownAt, button: HTMLButtonElement, ask: () => ReturnType<RequestFullText>): Promise<void> {
  value.querySelector('.torchinspect-graph-full-text-error')?.remove(); // a retry's answer replaces the last refusal
  const focused = button.ownerDocument.activeElement === button; // before disabling it, which takes the focus away
  button.disabled = true;
  button.textContent = 'asking the kernel…';
  try {
    const { text, length } = await ask();
    const cut = length > text.length ? [element('span', 'torchinspect-graph-full-text-cut', ` … the first ${formatCount(text.length)} of ${formatCount(length)} characters (autograd_graph has every one)`)] : [];
    value.classList.add('is-whole');
    value.replaceChildren(text, ...cut);
    if (title !== null) {
      title.classList.add('is-whole');
      title.textContent = cut.length === 0 ? text : `${text}…`;
    }
    if (focused) keepFocusOn(value);
  } catch (error) {
    button.disabled = false;
    button.textContent = 'show all';
    if (focused) button.focus();
    button.after(element('span', 'torchinspect-error torchinspect-graph-full-text-error', ` ${(error as Error).message.replace(/^torchinspect: /, 'The kernel says: ')}`));
  }
}

/** The button that had the focus is gone: the text it brought takes it, so Tab goes on from there, not from the page's top. */
function keepFocusOn(value: HTMLElement): void {
  value.tabIndex = -1;
  value.focus();
}
