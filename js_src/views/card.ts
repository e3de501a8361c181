/**
 * The card: a tensor's summary line, then its fields grouped, with hints for
 * learners. Every string from the kernel is set as text, never parsed as HTML.
 */

import { cardGroups, type CardGroup } from '../core/format';
import { parseTensorSnapshot, type TensorSnapshot } from '../core/schema';
import type { View } from './view';

export function mountCard(el: HTMLElement, data: unknown): View<unknown> {
  const root = element('section', 'torchinspect torchinspect-card');
  root.setAttribute('aria-label', 'tensor inspector');
  el.appendChild(root);

  const update = (next: unknown): void => {
    root.replaceChildren(...renderCard(next));
  };
  update(data);
  return {
    update,
    destroy: () => root.remove()
  };
}

function renderCard(data: unknown): HTMLElement[] {
  let snapshot: TensorSnapshot;
  try {
    snapshot = parseTensorSnapshot(data);
  } catch (error) {
    return [element('p', 'torchinspect-error', (error as Error).message)];
  }
  const header = element('header', 'torchinspect-summary', snapshot.summary);
  header.title = snapshot.summary;
  const groups = element('div', 'torchinspect-groups');
  groups.append(...cardGroups(snapshot).map(renderGroup));
  return [header, groups];
}

function renderGroup(group: CardGroup): HTMLElement {
  const section = element('div', 'torchinspect-group');
  section.appendChild(element('h3', 'torchinspect-group-title', group.title));
  const list = element('dl', 'torchinspect-fields');
  for (const field of group.fields) {
    const term = element('dt', 'torchinspect-label', field.label);
    const value = element('dd', 'torchinspect-value');
    value.dataset.field = field.label;
    value.appendChild(element('code', '', field.value));
    if (field.hint) value.appendChild(element('span', 'torchinspect-hint', field.hint));
    list.append(term, value);
  }
  section.appendChild(list);
  return section;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
