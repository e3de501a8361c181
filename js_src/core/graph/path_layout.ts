/**
 * The layered layout of a path: items linked one after the next, which is what most module
 * frames hold at their first levels (the stem, the blocks, the encoder's layers). A path needs
 * no crossing reduction or placement search: its items stack, one layer each, centred, with
 * straight links. The layout library costs a few milliseconds a call even for three items, so
 * skipping it keeps the default view of a model quick. DOM-free.
 */

import type { GraphDirection, LayeredPlacement, LayoutItem, Point } from './geometry';

/** The gap between layers, as the layout library is asked for. */
export const LAYER_GAP_PX = 46;

/** The items stacked in path order, or null when the edges do not link them into one path. */
export function stackedPath(
  items: LayoutItem[], edges: { source: string; target: string }[], direction: GraphDirection, margin: number
): LayeredPlacement | null {
  const order = pathOrder(items, edges);
  if (order === null) return null;
  const width = Math.max(...items.map(item => item.width));
  const height = items.reduce((sum, item) => sum + item.height, 0) + LAYER_GAP_PX * (items.length - 1);
  const centres = new Array<Point>(items.length);
  let y = margin;
  for (const at of direction === 'down' ? order : [...order].reverse()) {
    centres[at] = { x: margin + width / 2, y: y + items[at].height / 2 };
    y += items[at].height + LAYER_GAP_PX;
  }
  const position = new Map(items.map((item, at) => [item.id, at]));
  const routes = edges.map(({ source, target }) => {
    const [from, to] = [position.get(source)!, position.get(target)!];
    const side = direction === 'down' ? 1 : -1;
    const start = { x: centres[from].x, y: centres[from].y + (side * items[from].height) / 2 };
    const end = { x: centres[to].x, y: centres[to].y - (side * items[to].height) / 2 };
    return [start, { x: start.x, y: (start.y + end.y) / 2 }, end];
  });
  return { centres, routes, width: width + 2 * margin, height: height + 2 * margin };
}

/** The item positions from the path's start to its end, or null if the edges are not one path through all items. */
function pathOrder(items: LayoutItem[], edges: { source: string; target: string }[]): number[] | null {
  if (edges.length !== items.length - 1) return null;
  const position = new Map(items.map((item, at) => [item.id, at]));
  const next = new Array<number>(items.length).fill(-1);
  const entered = new Array<boolean>(items.length).fill(false);
  for (const { source, target } of edges) {
    const [from, to] = [position.get(source)!, position.get(target)!];
    if (next[from] !== -1 || entered[to]) return null;
    next[from] = to;
    entered[to] = true;
  }
  const order: number[] = [];
  for (let at = entered.indexOf(false); at !== -1 && order.length <= items.length; at = next[at]) order.push(at);
  return order.length === items.length ? order : null;
}
