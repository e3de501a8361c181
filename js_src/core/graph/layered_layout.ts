/**
 * The layered layout of up to LAYERED_MAX_ITEMS items, in the steps of Sugiyama's method on
 * plain arrays: cycles broken, layers assigned, long links cut by a point in each layer they
 * cross, each layer ordered to cross few links, then placed, then links routed through their
 * points. It replaces a layout library that spent a few milliseconds on three items and
 * ~150 ms on the pieces of G4 with every node shown, most of it in its graph objects rather
 * than in the method (the same steps, measured in layout.ts). DOM-free and deterministic: alike
 * inputs give alike layouts, which nested_layout relies on.
 */

import type { GraphDirection, LayeredPlacement, LayoutItem, Point } from './geometry';
import { LAYER_GAP_PX } from './path_layout';

/** Gaps between neighbours in a layer: two boxes, a box and a link, two links. */
const BOX_GAP_PX = 28;
const LINK_GAP_PX = 10;
/** Ordering stops after this many sweeps without fewer crossings, or after MAX_SWEEPS. */
const PATIENCE = 4;
const MAX_SWEEPS = 24;
/** Placement passes, each down the rows, then up. */
const PLACEMENT_PASSES = 6;
const POINT_WEIGHT = 8;
/** An item linked to nothing in its container stays where it is, unless its neighbours need the room. */
const UNLINKED_WEIGHT = 0.01;

interface Layered {
  /** Items first, then the points cutting long links (width 0). */
  widths: number[];
  heights: number[];
  layerOf: number[];
  /** Each vertex's neighbours in the layer above and below. */
  above: number[][];
  below: number[][];
  /** Each edge's chain of vertices, from its upper end to its lower end. */
  chains: number[][];
  /** Whether the edge runs up the page (it closed a cycle), so its chain is read backwards. */
  reversed: boolean[];
}

export function layeredLayout(
  items: LayoutItem[], edges: { source: string; target: string }[], direction: GraphDirection, margin: number
): LayeredPlacement {
  const graph = layeredGraph(items, edges);
  const rows = orderedRows(graph);
  const xs = placeInRows(rows, graph);
  const ys = rowCentres(rows, graph, margin);
  let left = Infinity;
  let right = -Infinity;
  for (let at = 0; at < graph.widths.length; at++) {
    left = Math.min(left, xs[at] - graph.widths[at] / 2);
    right = Math.max(right, xs[at] + graph.widths[at] / 2);
  }
  const shift = items.length === 0 ? 0 : margin - left;
  const height = rows.length === 0 ? 2 * margin : ys.bottom + margin;
  const flip = (y: number): number => (direction === 'down' ? y : height - y);
  const centre = (at: number): Point => ({ x: xs[at] + shift, y: flip(ys.of[at]) });
  const routes = graph.chains.map((chain, edge) => {
    const [upper, lower] = [centre(chain[0]), centre(chain[chain.length - 1])];
    const gapMiddle = { x: (upper.x + lower.x) / 2, y: flip(ys.bottomOf[chain[0]] + LAYER_GAP_PX / 2) };
    const points = route(chain.map(centre), graph, chain, gapMiddle);
    return graph.reversed[edge] ? points.reverse() : points;
  });
  return {
    centres: items.map((_, at) => centre(at)),
    routes,
    width: items.length === 0 ? 2 * margin : right - left + 2 * margin,
    height
  };
}

/** Layers for the items, and a point in each layer a link crosses. */
function layeredGraph(items: LayoutItem[], edges: { source: string; target: string }[]): Layered {
  const position = new Map(items.map((item, at) => [item.id, at]));
  const ends = edges.map(({ source, target }) => [position.get(source)!, position.get(target)!] as const);
  const reversed = backEdges(items.length, ends);
  const upper = ends.map(([from, to], edge) => (reversed[edge] ? to : from));
  const lower = ends.map(([from, to], edge) => (reversed[edge] ? from : to));
  const layerOf = layers(items.length, upper, lower);
  const graph: Layered = {
    widths: items.map(item => item.width),
    heights: items.map(item => item.height),
    layerOf,
    above: items.map((): number[] => []),
    below: items.map((): number[] => []),
    chains: [],
    reversed
  };
  const linked = new Map<string, number[]>();
  ends.forEach((_, edge) => {
    const [from, to] = [upper[edge], lower[edge]];
    const key = `${from}>${to}`;
    // A pair linked twice (both ways round a cycle) shares its points.
    const known = linked.get(key);
    if (from === to || known !== undefined) return void graph.chains.push(known ?? [from, to]);
    const chain = [from];
    for (let layer = layerOf[from] + 1; layer < layerOf[to]; layer++) chain.push(addPoint(graph, layer));
    chain.push(to);
    for (let at = 1; at < chain.length; at++) {
      graph.below[chain[at - 1]].push(chain[at]);
      graph.above[chain[at]].push(chain[at - 1]);
    }
    linked.set(key, chain);
    graph.chains.push(chain);
  });
  return graph;
}

function addPoint(graph: Layered, layer: number): number {
  graph.widths.push(0);
  graph.heights.push(0);
  graph.layerOf.push(layer);
  graph.above.push([]);
  graph.below.push([]);
  return graph.widths.length - 1;
}

/** The edges that close a cycle in a depth-first walk from the items in order: drawn upwards. */
function backEdges(count: number, ends: (readonly [number, number])[]): boolean[] {
  const out = Array.from({ length: count }, (): number[] => []);
  ends.forEach(([from], edge) => out[from].push(edge));
  const state = new Uint8Array(count); // 0 unseen, 1 on the walk's path, 2 done
  const reversed = ends.map(() => false);
  for (let start = 0; start < count; start++) {
    if (state[start] !== 0) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [at, next] = top;
      if (next === out[at].length) {
        state[at] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const edge = out[at][next];
      const to = ends[edge][1];
      if (state[to] === 1) reversed[edge] = true;
      else if (state[to] === 0) {
        state[to] = 1;
        stack.push([to, 0]);
      }
    }
  }
  return reversed;
}

/**
 * Each item's layer: one past its deepest input; an item with no input right above its nearest
 * taker, so a parameter sits by the op that takes it.
 */
function layers(count: number, upper: number[], lower: number[]): number[] {
  const takers = Array.from({ length: count }, (): number[] => []);
  const waiting = new Array<number>(count).fill(0);
  upper.forEach((from, edge) => {
    if (from === lower[edge]) return;
    takers[from].push(lower[edge]);
    waiting[lower[edge]]++;
  });
  const order: number[] = [];
  for (let at = 0; at < count; at++) if (waiting[at] === 0) order.push(at);
  const layerOf = new Array<number>(count).fill(0);
  for (let next = 0; next < order.length; next++) {
    const at = order[next];
    for (const taker of takers[at]) {
      layerOf[taker] = Math.max(layerOf[taker], layerOf[at] + 1);
      if (--waiting[taker] === 0) order.push(taker);
    }
  }
  const fed = new Uint8Array(count);
  lower.forEach((to, edge) => {
    if (to !== upper[edge]) fed[to] = 1;
  });
  for (let at = 0; at < count; at++) {
    if (fed[at] === 1 || takers[at].length === 0) continue;
    let nearest = Infinity;
    for (const taker of takers[at]) nearest = Math.min(nearest, layerOf[taker]);
    layerOf[at] = nearest - 1;
  }
  return layerOf;
}

/**
 * The vertices of each layer in the order that crossed the fewest links: first as a walk
 * meets them, then by the mean place of their neighbours, sweeping down and up the layers.
 */
function orderedRows(graph: Layered): number[][] {
  const rows: number[][] = [];
  const seen = new Uint8Array(graph.widths.length);
  const visit = (start: number): void => {
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const at = stack.pop()!;
      (rows[graph.layerOf[at]] ??= []).push(at);
      for (let next = graph.below[at].length - 1; next >= 0; next--) {
        const taker = graph.below[at][next];
        if (seen[taker] === 0) {
          seen[taker] = 1;
          stack.push(taker);
        }
      }
    }
  };
  const byLayer = graph.layerOf.map((_, at) => at).sort((a, b) => graph.layerOf[a] - graph.layerOf[b] || a - b);
  for (const at of byLayer) if (seen[at] === 0) visit(at);
  const compact = rows.filter(row => row !== undefined);
  const place = new Float64Array(graph.widths.length);
  const number = (row: number[]): void => row.forEach((at, index) => (place[at] = index));
  compact.forEach(number);
  let best = compact.map(row => [...row]);
  let fewest = crossings(compact, graph.below, place);
  for (let sweep = 0, since = 0; since < PATIENCE && sweep < MAX_SWEEPS; sweep++, since++) {
    const down = sweep % 2 === 0;
    const order = down ? compact.slice(1) : compact.slice(0, -1).reverse();
    for (const row of order) {
      sortByNeighbours(row, down ? graph.above : graph.below, place);
      number(row);
    }
    const count = crossings(compact, graph.below, place);
    if (count < fewest) {
      fewest = count;
      best = compact.map(row => [...row]);
      since = -1;
    }
    if (fewest === 0) break;
  }
  return best;
}

/** Sorts a row by its vertices' neighbours' mean place; one with none keeps its place. */
function sortByNeighbours(row: number[], neighbours: number[][], place: Float64Array): void {
  const key = new Map<number, number>();
  for (const at of row) {
    const list = neighbours[at];
    if (list.length === 0) {
      key.set(at, place[at]);
      continue;
    }
    let sum = 0;
    for (const other of list) sum += place[other];
    key.set(at, sum / list.length);
  }
  row.sort((a, b) => key.get(a)! - key.get(b)! || place[a] - place[b]);
}

/** The links crossing between each pair of next layers: inversions of their lower ends, counted with a tree. */
function crossings(rows: number[][], below: number[][], place: Float64Array): number {
  let widest = 1;
  for (const row of rows) while (widest < row.length) widest *= 2;
  // One tree and one list of ends for every layer and vertex: a sweep counts often, and makes no garbage.
  const tree = new Int32Array(2 * widest);
  const ends: number[] = [];
  let total = 0;
  for (let layer = 0; layer + 1 < rows.length; layer++) {
    const size = rows[layer + 1].length;
    let leaves = 1;
    while (leaves < size) leaves *= 2;
    tree.fill(0, 0, 2 * leaves);
    for (const at of rows[layer]) {
      ends.length = 0;
      for (const other of below[at]) ends.push(place[other]);
      if (ends.length > 1) ends.sort((a, b) => a - b);
      for (const end of ends) {
        let index = end + leaves;
        tree[index]++;
        while (index > 1) {
          if (index % 2 === 0) total += tree[index + 1];
          index = Math.floor(index / 2);
          tree[index]++;
        }
      }
    }
  }
  return total;
}

/**
 * Each vertex's centre x: where the links between layers are shortest, weighted as Gansner et
 * al. weigh them (1 between boxes, 2 from a box to a link's point, 8 between two points, so
 * long links run straight), within each row's order and gaps. Rows are placed in turn, down
 * and up a few times, each at its least squares (the pool-adjacent-violators method).
 */
function placeInRows(rows: number[][], graph: Layered): number[] {
  const xs = new Array<number>(graph.widths.length).fill(0);
  for (const row of rows) {
    let edge = 0;
    row.forEach((at, index) => {
      if (index > 0) edge += gap(graph, row[index - 1], at);
      xs[at] = edge;
    });
  }
  const neighbours = graph.above.map((above, at) => [...above, ...graph.below[at]]);
  const pulls = neighbours.map((list, at) => list.map(other => linkWeight(graph, at, other)));
  const gaps = rows.map(row => row.map((at, index) => (index === 0 ? 0 : gap(graph, row[index - 1], at))));
  const scratch = rowScratch(Math.max(0, ...rows.map(row => row.length)));
  const pull = (layer: number): void => pullRow(rows[layer], gaps[layer], neighbours, pulls, xs, scratch);
  for (let pass = 0; pass < PLACEMENT_PASSES; pass++) {
    for (let layer = 1; layer < rows.length; layer++) pull(layer);
    for (let layer = rows.length - 2; layer >= 0; layer--) pull(layer);
  }
  for (const row of rows) straighten(row, graph, graph.above, xs);
  for (const row of [...rows].reverse()) straighten(row, graph, graph.below, xs);
  return xs;
}

/** Moves each vertex with one neighbour on that side right under (or over) it, where its row leaves room: chains run straight. */
function straighten(row: number[], graph: Layered, neighbours: number[][], xs: number[]): void {
  row.forEach((at, index) => {
    if (neighbours[at].length !== 1) return;
    const wanted = xs[neighbours[at][0]];
    const least = index === 0 ? -Infinity : xs[row[index - 1]] + gap(graph, row[index - 1], at);
    const most = index === row.length - 1 ? Infinity : xs[row[index + 1]] - gap(graph, at, row[index + 1]);
    if (wanted >= least && wanted <= most) xs[at] = wanted;
  });
}

/** The least distance between the centres of two neighbours in a row. */
function gap(graph: Layered, left: number, right: number): number {
  const boxes = (graph.widths[left] > 0 ? 1 : 0) + (graph.widths[right] > 0 ? 1 : 0);
  const space = boxes === 2 ? BOX_GAP_PX : boxes === 1 ? (BOX_GAP_PX + LINK_GAP_PX) / 2 : LINK_GAP_PX;
  return graph.widths[left] / 2 + space + graph.widths[right] / 2;
}

/** Arrays as long as the longest row, reused by every pull: placement passes make no garbage. */
interface RowScratch {
  wanted: Float64Array;
  weights: Float64Array;
  offsets: Float64Array;
  /** The blocks of nearestInOrder: each one's mean, weight and count of vertices. */
  means: Float64Array;
  blockWeights: Float64Array;
  counts: Int32Array;
}

function rowScratch(length: number): RowScratch {
  const doubles = (): Float64Array => new Float64Array(length);
  return { wanted: doubles(), weights: doubles(), offsets: doubles(), means: doubles(), blockWeights: doubles(), counts: new Int32Array(length) };
}

/** Moves a row's vertices to the weighted mean of their neighbours, as near as their order and gaps allow. */
function pullRow(row: number[], gaps: number[], neighbours: number[][], pulls: number[][], xs: number[], scratch: RowScratch): void {
  const { wanted, weights } = scratch;
  for (let index = 0; index < row.length; index++) {
    const at = row[index];
    const [list, weightOf] = [neighbours[at], pulls[at]];
    let sum = 0;
    let weight = 0;
    for (let next = 0; next < list.length; next++) {
      sum += weightOf[next] * xs[list[next]];
      weight += weightOf[next];
    }
    wanted[index] = weight === 0 ? xs[at] : sum / weight;
    weights[index] = weight === 0 ? UNLINKED_WEIGHT : weight;
  }
  nearestInOrder(row, gaps, scratch, xs);
}

function linkWeight(graph: Layered, one: number, other: number): number {
  const points = (graph.widths[one] === 0 ? 1 : 0) + (graph.widths[other] === 0 ? 1 : 0);
  return points === 2 ? POINT_WEIGHT : points === 1 ? 2 : 1;
}

/**
 * Places the row's vertices nearest `wanted` (weighted least squares), keeping their order with
 * at least `gaps[i]` between the (i-1)th and the ith: with the gaps taken out, a monotone fit,
 * which merging adjacent blocks that violate the order solves exactly.
 */
function nearestInOrder(row: number[], gaps: number[], scratch: RowScratch, xs: number[]): void {
  const { wanted, weights, offsets, means, blockWeights, counts } = scratch;
  let offset = 0;
  let blocks = 0;
  for (let index = 0; index < row.length; index++) {
    offsets[index] = offset += gaps[index];
    let [mean, weight, count] = [wanted[index] - offsets[index], weights[index], 1];
    while (blocks > 0 && means[blocks - 1] >= mean) {
      blocks--;
      const merged = blockWeights[blocks] + weight;
      mean = (means[blocks] * blockWeights[blocks] + mean * weight) / merged;
      weight = merged;
      count += counts[blocks];
    }
    [means[blocks], blockWeights[blocks], counts[blocks]] = [mean, weight, count];
    blocks++;
  }
  let index = 0;
  for (let block = 0; block < blocks; block++) {
    for (let at = 0; at < counts[block]; at++, index++) xs[row[index]] = means[block] + offsets[index];
  }
}

/** The y of each layer's centre and bottom, rows as tall as their tallest box, LAYER_GAP_PX between them. */
function rowCentres(rows: number[][], graph: Layered, margin: number): { of: number[]; bottomOf: number[]; bottom: number } {
  const of = new Array<number>(graph.widths.length).fill(0);
  const bottomOf = new Array<number>(graph.widths.length).fill(0);
  let top = margin;
  for (const row of rows) {
    let tallest = 0;
    for (const at of row) tallest = Math.max(tallest, graph.heights[at]);
    for (const at of row) {
      of[at] = top + tallest / 2;
      bottomOf[at] = top + tallest;
    }
    top += tallest + LAYER_GAP_PX;
  }
  return { of, bottomOf, bottom: top - LAYER_GAP_PX };
}

/**
 * A link's points: from its upper box's edge, through its points, to its lower box's edge, each
 * end where the line to the next point leaves the box; a link between next layers bends in the
 * middle of the gap between them.
 */
function route(points: Point[], graph: Layered, chain: number[], gapMiddle: Point): Point[] {
  if (chain.length === 2 && chain[0] === chain[1]) return [points[0], points[0]];
  const inner = chain.length === 2 ? [gapMiddle] : points.slice(1, -1);
  const [first, last] = [chain[0], chain[chain.length - 1]];
  return [
    boxEdge(points[0], graph.widths[first], graph.heights[first], inner[0]),
    ...inner,
    boxEdge(points[points.length - 1], graph.widths[last], graph.heights[last], inner[inner.length - 1])
  ];
}

/** Where the line from a box's centre towards `towards` leaves the box. */
function boxEdge(centre: Point, width: number, height: number, towards: Point): Point {
  const [dx, dy] = [towards.x - centre.x, towards.y - centre.y];
  if (dx === 0 && dy === 0) return centre;
  const scale = Math.abs(dy) * width > Math.abs(dx) * height ? height / 2 / Math.abs(dy) : width / 2 / Math.abs(dx);
  return { x: centre.x + dx * scale, y: centre.y + dy * scale };
}
