/**
 * Moving the selection with the arrow keys: along links to the layer above or below, and
 * among the boxes of the same layer to either side. The arrows follow the screen, so after
 * the direction is flipped, up still goes to the box drawn above.
 */

import type { GraphLayout, PlacedBox } from '../../core/graph/geometry';

export type Arrow = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight';

export function isArrow(key: string): key is Arrow {
  return key === 'ArrowUp' || key === 'ArrowDown' || key === 'ArrowLeft' || key === 'ArrowRight';
}

/** The box an arrow key moves to from `fromId`, or null where there is none that way. */
export function boxTowards(layout: GraphLayout, fromId: string, arrow: Arrow): string | null {
  const placed = new Map(layout.boxes.map(box => [box.box.id, box]));
  const from = placed.get(fromId);
  if (from === undefined) return null;
  if (arrow === 'ArrowLeft' || arrow === 'ArrowRight') return sideways(layout, from, arrow === 'ArrowLeft' ? -1 : 1);
  const linked = layout.links.flatMap(({ link }) => {
    if (link.source === fromId) return [placed.get(link.target)!];
    if (link.target === fromId) return [placed.get(link.source)!];
    return [];
  });
  const wanted = linked.filter(box => (arrow === 'ArrowUp' ? box.y < from.y : box.y > from.y));
  return nearest(wanted, from)?.box.id ?? null;
}

/** The next box of the same layer on that side. */
function sideways(layout: GraphLayout, from: PlacedBox, side: -1 | 1): string | null {
  const layer = layout.boxes.filter(box => Math.abs(box.y - from.y) < 1 && Math.sign(box.x - from.x) === side);
  return nearest(layer, from)?.box.id ?? null;
}

function nearest(boxes: PlacedBox[], from: PlacedBox): PlacedBox | null {
  let best: PlacedBox | null = null;
  for (const box of boxes) {
    if (best === null || distance(box, from) < distance(best, from)) best = box;
  }
  return best;
}

function distance(a: PlacedBox, b: PlacedBox): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
