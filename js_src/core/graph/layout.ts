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

import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import { halfway, type GraphDirection, type GraphLayout, type LayeredPlacement, type LayoutItem } from './geometry';
import type { GraphBox, GraphModel } from './model';
import { nestedLayout } from './nested_layout';
import { LAYER_GAP_PX, stackedPath } from './path_layout';
import { quickLayered } from './quick_layout';

/**
 * Past this many items the layout library is not called: it took 34 s on a fan of 1,503 boxes
 * (see quickLayered). G4 with every node shown, 455 boxes, stays with it.
 */
export const LIBRARY_MAX_ITEMS = 1_000;

/** The label font's advance at 12 px monospace, rounded up so text never overflows its box. */
const TITLE_CHAR_PX = 7.4;
const SUBTITLE_CHAR_PX = 6.8;
const BOX_PADDING_PX = 24;
const BOX_HEIGHT_PX = 42;
const MIN_BOX_WIDTH_PX = 64;

export const LAYOUT_MARGIN_PX = 16;

/**
 * Lays the model out: `down` puts the forward inputs at the top and the roots at the bottom.
 * Open modules are laid out each on its own and drawn as frames (see nestedLayout).
 */
export function layoutGraph(model: GraphModel, direction: GraphDirection): GraphLayout {
  if (model.boxes.some(box => box.container !== null)) {
    return nestedLayout(model, boxSize, (items, edges, margin) => layered(items, edges, direction, margin));
  }
  const placement = layered(model.boxes.map(box => ({ id: box.id, ...boxSize(box) })), model.links, direction, LAYOUT_MARGIN_PX);
  const boxes = model.boxes.map((box, at) => ({ box, ...placement.centres[at], ...boxSize(box) }));
  const links = model.links.map((link, at) => ({ link, points: placement.routes[at], labelAt: halfway(placement.routes[at]) }));
  return { boxes, links, frames: [], width: placement.width, height: placement.height };
}

/**
 * The one call of the layout library: items in layers along `edges`, each edge routed between
 * its items. A path of items is stacked without it (see stackedPath).
 */
export function layered(
  items: LayoutItem[], edges: { source: string; target: string }[], direction: GraphDirection, margin: number
): LayeredPlacement {
  const path = stackedPath(items, edges, direction, margin);
  if (path !== null) return path;
  if (items.length > LIBRARY_MAX_ITEMS) return quickLayered(items, edges, direction, margin);
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: false });
  graph.setGraph({ rankdir: direction === 'down' ? 'TB' : 'BT', nodesep: 28, ranksep: LAYER_GAP_PX, marginx: margin, marginy: margin });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const { id, width, height } of items) graph.setNode(id, { width, height });
  for (const { source, target } of edges) graph.setEdge(source, target);
  dagre.layout(graph);
  const { width = 0, height = 0 } = graph.graph();
  return {
    centres: items.map(({ id }) => ({ x: graph.node(id).x ?? 0, y: graph.node(id).y ?? 0 })),
    routes: edges.map(({ source, target }) => graph.edge(source, target).points ?? []),
    width,
    height
  };
}

export function boxSize(box: GraphBox): { width: number; height: number } {
  const text = Math.max(box.title.length * TITLE_CHAR_PX, box.subtitle.length * SUBTITLE_CHAR_PX);
  return { width: Math.max(MIN_BOX_WIDTH_PX, Math.ceil(text) + BOX_PADDING_PX), height: BOX_HEIGHT_PX };
}
