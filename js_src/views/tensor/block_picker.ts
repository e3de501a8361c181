/**
 * What a DTensor's inspector shows: the global tensor every rank read together, or one rank's
 * own block as that rank snapshot it. A labelled select; picking calls back with the snapshot.
 */

import { formatShape } from '../../core/format';
import type { ShardBlock, TensorSnapshot } from '../../core/schema';
import { element } from '../dom';

/**
 * Mounts the picker before the view, or nothing when there are no blocks; returns its cleanup.
 * `blocks[i]` is the i-th rank's in mesh order, as `global.sharding.blocks[i]` describes it.
 */
export function mountBlockPicker(
  el: HTMLElement,
  global: TensorSnapshot,
  blocks: TensorSnapshot[],
  pick: (snapshot: TensorSnapshot) => void
): () => void {
  if (blocks.length === 0) return () => undefined;
  const label = element('label', 'torchinspect-note torchinspect-block-picker', 'show ');
  const select = element('select', '');
  const choices = [global, ...blocks];
  const layout = global.sharding?.blocks ?? [];
  const labels = ['the global tensor (every rank together)', ...blocks.map((block, index) => blockLabel(block, layout[index]))];
  labels.forEach((text, index) => {
    const option = element('option', '', text);
    option.value = String(index);
    select.appendChild(option);
  });
  const onChange = (): void => pick(choices[Number(select.value)]);
  select.addEventListener('change', onChange);
  label.appendChild(select);
  el.appendChild(label);
  return () => {
    select.removeEventListener('change', onChange);
    label.remove();
  };
}

/** `rank 1's block: [150, 257] at [151, 0]`, `…, a copy` for a replica. */
function blockLabel(block: TensorSnapshot, place: ShardBlock | undefined): string {
  if (place === undefined) return `${block.name ?? 'a block'}: ${formatShape(block.shape)}`;
  const copy = place.role === 'replica' ? ', a copy' : '';
  return `rank ${place.rank}'s block: ${formatShape(place.shape)} at ${formatShape(place.offset)}${copy}`;
}
