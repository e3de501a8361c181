/**
 * Where each box and link of a graph model goes: a layered layout, inputs in the first layer.
 * The one place that calls the layout library, so it can be swapped. DOM-free: box sizes are
 * estimated from the label lengths (the view's font is monospace).
 *
 * Why @dagrejs/dagre 3.1.3, measured in Chromium on a shared 2-core machine (three runs each,
 * the first one cold): layout of G4 unfolded (455 boxes, 477 links) took 142–169 ms with
 * dagre and 120–209 ms with elkjs 0.12.1 `layered`; G3 (142 boxes) 34–43 ms against
 * 99–167 ms; the folded G5 (N = 2,000: 5 boxes) and G6 (5,000 leaves: 4 boxes) 1–2 ms with
 * dagre, 2–345 ms with elkjs (its cold start). Minified, dagre adds 48.6 KB (17 KB gzip) and
 * elkjs 1,494 KB (453 KB gzip): five times the whole widget's 300 KB budget on its own.
 */

import dagre from '@dagrejs/dagre';
import type { GraphBox, GraphLink, GraphModel } from './graph';

export type GraphDirection = 'down' | 'up';

export interface Point {
  x: number;
  y: number;
}

/** `x`, `y`: the box's centre. */
export interface PlacedBox {
  box: GraphBox;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedLink {
  link: GraphLink;
  points: Point[];
}

export interface GraphLayout {
  boxes: PlacedBox[];
  links: PlacedLink[];
  width: number;
  height: number;
}

/** The label font's advance at 12 px monospace, rounded up so text never overflows its box. */
const TITLE_CHAR_PX = 7.4;
const SUBTITLE_CHAR_PX = 6.8;
const BOX_PADDING_PX = 24;
const BOX_HEIGHT_PX = 42;
const MIN_BOX_WIDTH_PX = 64;

/** Lays the model out: `down` puts the forward inputs at the top and the roots at the bottom. */
export function layoutGraph(model: GraphModel, direction: GraphDirection): GraphLayout {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: direction === 'down' ? 'TB' : 'BT', nodesep: 28, ranksep: 46, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const box of model.boxes) graph.setNode(box.id, boxSize(box));
  for (const link of model.links) graph.setEdge(link.source, link.target);
  dagre.layout(graph);
  const boxes = model.boxes.map(box => {
    const { x, y, width, height } = graph.node(box.id);
    return { box, x, y, width, height };
  });
  const links = model.links.map(link => ({ link, points: graph.edge(link.source, link.target).points }));
  const { width = 0, height = 0 } = graph.graph();
  return { boxes, links, width, height };
}

export function boxSize(box: GraphBox): { width: number; height: number } {
  const text = Math.max(box.title.length * TITLE_CHAR_PX, box.subtitle.length * SUBTITLE_CHAR_PX);
  return { width: Math.max(MIN_BOX_WIDTH_PX, Math.ceil(text) + BOX_PADDING_PX), height: BOX_HEIGHT_PX };
}
