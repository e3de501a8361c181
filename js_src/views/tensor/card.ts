/**
 * The card: a tensor's metadata in groups (what it is, its memory, its autograd state),
 * with a sentence for learners where one helps.
 */

import { cardGroups, type CardGroup } from '../../core/tensor/card';
import type { TensorSnapshot } from '../../core/schema';
import { element } from '../dom';
import type { View } from '../view';

export function mountCard(el: HTMLElement, snapshot: TensorSnapshot): View<TensorSnapshot> {
  const root = element('div', 'torchinspect-groups');
  el.appendChild(root);
  const update = (next: TensorSnapshot): void => root.replaceChildren(...cardGroups(next).map(renderGroup));
  update(snapshot);
  return { update, destroy: () => root.remove() };
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
