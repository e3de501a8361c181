/**
 * A layered layout in linear passes, for graphs too big for the layout library: its crossing
 * reduction and placement took 34 s in Chromium on the 1,503 boxes of a fan of 500 leaves
 * (G6 with 500 leaves, every node shown) and did not finish on G6's 15,002. Here each item
 * gets the layer of its longest path from the inputs (an input sits right above the first
 * item that takes it), is ordered in its layer by the mean position of its neighbours (one
 * sweep down, one up), and is placed as near that mean as the items before it allow. Links
 * go straight between the boxes. DOM-free.
 */

import type { GraphDirection, LayeredPlacement, LayoutItem, Point } from './geometry';
import { LAYER_GAP_PX } from './path_layout';

const ITEM_GAP_PX = 28;
const PLACEMENT_SWEEPS = 2;

export function quickLayered(
  items: LayoutItem[], edges: { source: string; target: string }[], direction: GraphDirection, margin: number
): LayeredPlacement {
  const position = new Map(items.map((item, at) => [item.id, at]));
  const links = edges.map(({ source, target }) => [position.get(source)!, position.get(target)!] as const);
  const inputs = items.map((): number[] => []);
  const takers = items.map((): number[] => []);
  for (const [from, to] of links) {
    if (from === to) continue;
    inputs[to].push(from);
    takers[from].push(to);
  }
  const layerOf = layers(inputs, takers);
  const rows = orderedRows(layerOf, inputs, takers);
  if (direction === 'up') rows.reverse();
  const xs = placeInRows(rows, items, inputs, takers);
  const centres = new Array<Point>(items.length);
  let top = margin;
  let left = Infinity;
  let right = -Infinity;
  for (const row of rows) {
    const rowHeight = Math.max(...row.map(at => items[at].height));
    for (const at of row) {
      centres[at] = { x: xs[at], y: top + rowHeight / 2 };
      left = Math.min(left, xs[at] - items[at].width / 2);
      right = Math.max(right, xs[at] + items[at].width / 2);
    }
    top += rowHeight + LAYER_GAP_PX;
  }
  const shift = items.length === 0 ? 0 : margin - left;
  for (const centre of centres) centre.x += shift;
  const side = direction === 'down' ? 1 : -1;
  const routes = links.map(([from, to]) => {
    const start = { x: centres[from].x, y: centres[from].y + (side * items[from].height) / 2 };
    const end = { x: centres[to].x, y: centres[to].y - (side * items[to].height) / 2 };
    return [start, { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 }, end];
  });
  const height = items.length === 0 ? 2 * margin : top - LAYER_GAP_PX + margin;
  return { centres, routes, width: items.length === 0 ? 2 * margin : right - left + 2 * margin, height };
}

/**
 * Each item's layer: one past its deepest input (inputs first, in topological order), and an
 * item with no input right above its nearest taker. An item on a cycle (modules closed into
 * boxes can make one) goes one past the deepest layer found before it.
 */
function layers(inputs: number[][], takers: number[][]): number[] {
  const count = inputs.length;
  const waiting = inputs.map(list => list.length);
  const layerOf = new Array<number>(count).fill(0);
  const order: number[] = [];
  for (let at = 0; at < count; at++) if (waiting[at] === 0) order.push(at);
  const placed = new Array<boolean>(count).fill(false);
  let deepest = 0;
  for (let next = 0; order.length < count || next < order.length; next++) {
    if (next === order.length) {
      const stuck = placed.indexOf(false);
      layerOf[stuck] = deepest + 1;
      order.push(stuck);
    }
    const at = order[next];
    placed[at] = true;
    deepest = Math.max(deepest, layerOf[at]);
    for (const taker of takers[at]) {
      layerOf[taker] = Math.max(layerOf[taker], layerOf[at] + 1);
      if (--waiting[taker] === 0 && !placed[taker]) order.push(taker);
    }
  }
  for (let at = 0; at < count; at++) {
    if (inputs[at].length > 0 || takers[at].length === 0) continue;
    layerOf[at] = Math.min(...takers[at].map(taker => layerOf[taker])) - 1;
  }
  return layerOf;
}

/** The items of each layer, ordered by the mean position of their inputs, then of their takers. */
function orderedRows(layerOf: number[], inputs: number[][], takers: number[][]): number[][] {
  const low = layerOf.reduce((least, layer) => Math.min(least, layer), 0);
  const rows: number[][] = [];
  layerOf.forEach((layer, at) => (rows[layer - low] ??= []).push(at));
  const rank = new Array<number>(layerOf.length).fill(0);
  const compact = rows.filter(row => row !== undefined);
  const number = (row: number[]): void => row.forEach((at, index) => (rank[at] = index));
  compact.forEach(number);
  const sortBy = (row: number[], neighbours: number[][]): void => {
    const mean = (at: number): number => {
      const list = neighbours[at];
      if (list.length === 0) return rank[at];
      let sum = 0;
      for (const other of list) sum += rank[other];
      return sum / list.length;
    };
    const keys = new Map(row.map(at => [at, mean(at)]));
    row.sort((a, b) => keys.get(a)! - keys.get(b)! || rank[a] - rank[b]);
    number(row);
  };
  for (const row of compact) sortBy(row, inputs);
  for (const row of [...compact].reverse()) sortBy(row, takers);
  return compact;
}

/** Each item's centre x: as near the mean of its neighbours' as the items to its left allow. */
function placeInRows(rows: number[][], items: LayoutItem[], inputs: number[][], takers: number[][]): number[] {
  const xs = new Array<number>(items.length).fill(0);
  for (const row of rows) {
    let x = 0;
    for (const at of row) {
      xs[at] = x + items[at].width / 2;
      x += items[at].width + ITEM_GAP_PX;
    }
  }
  const widest = rows.reduce((best, row) => (rowWidth(row, items) > rowWidth(best, items) ? row : best), rows[0] ?? []);
  const start = rows.indexOf(widest);
  for (let sweep = 0; sweep < PLACEMENT_SWEEPS; sweep++) {
    for (let at = start - 1; at >= 0; at--) pullTowards(rows[at], items, xs, takers);
    for (let at = start + 1; at < rows.length; at++) pullTowards(rows[at], items, xs, inputs);
  }
  return xs;
}

function rowWidth(row: number[], items: LayoutItem[]): number {
  return row.reduce((sum, at) => sum + items[at].width + ITEM_GAP_PX, 0);
}

/** Places a row's items left to right, each at its neighbours' mean x unless that overlaps the one before. */
function pullTowards(row: number[], items: LayoutItem[], xs: number[], neighbours: number[][]): void {
  const wanted = row.map(at => {
    const list = neighbours[at];
    if (list.length === 0) return xs[at];
    let sum = 0;
    for (const other of list) sum += xs[other];
    return sum / list.length;
  });
  let edge = -Infinity;
  let drift = 0;
  row.forEach((at, index) => {
    const half = items[at].width / 2;
    xs[at] = Math.max(wanted[index], edge + half);
    edge = xs[at] + half + ITEM_GAP_PX;
    drift += xs[at] - wanted[index];
  });
  // Pushed right by the items before them, they move back together by the mean push.
  const back = row.length === 0 ? 0 : drift / row.length;
  for (const at of row) xs[at] -= back;
}
