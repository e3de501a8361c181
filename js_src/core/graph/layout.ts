/**
 * Where each box and link of a graph model goes: a layered layout, inputs in the first layer.
 * DOM-free: box sizes are estimated from the label lengths (the view's font is monospace).
 *
 * A path of items is stacked (path_layout.ts), up to LAYERED_MAX_ITEMS items go through
 * layered_layout.ts (Sugiyama's steps), past it through quick_layout.ts's linear passes. The
 * layered layout replaced @dagrejs/dagre 3.1.3, which did the same steps through general graph
 * objects: in node on this shared machine, the layouts of G4 with every node shown (455 boxes,
 * nested in 65 modules) took ~270–310 ms with dagre against ~15–60 ms, G3's default view
 * (21 boxes) 4–8 ms against 0.8 ms, with as many link crossings inside each module's layout
 * (none on G3, one on G4's attention).
 */

import { halfway, type GraphDirection, type GraphLayout, type LayeredPlacement, type LayoutItem } from './geometry';
import type { GraphBox, GraphModel } from './model';
import { nestedLayout } from './nested_layout';
import { layeredLayout } from './layered_layout';
import { stackedPath } from './path_layout';
import { quickLayered } from './quick_layout';

/**
 * Past this many items the layout is quickLayered's: crossing reduction over every layer, with
 * a point for each layer a link crosses, grows faster than the items (the fan of 1,503 boxes
 * took a layout library 34 s). G4 with every node shown, 455 boxes, stays layered.
 */
export const LAYERED_MAX_ITEMS = 1_000;

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

/** Items in layers along `edges`, each edge routed between its items. */
export function layered(
  items: LayoutItem[], edges: { source: string; target: string }[], direction: GraphDirection, margin: number
): LayeredPlacement {
  const path = stackedPath(items, edges, direction, margin);
  if (path !== null) return path;
  if (items.length > LAYERED_MAX_ITEMS) return quickLayered(items, edges, direction, margin);
  return layeredLayout(items, edges, direction, margin);
}

export function boxSize(box: GraphBox): { width: number; height: number } {
  const text = Math.max(box.title.length * TITLE_CHAR_PX, box.subtitle.length * SUBTITLE_CHAR_PX);
  return { width: Math.max(MIN_BOX_WIDTH_PX, Math.ceil(text) + BOX_PADDING_PX), height: BOX_HEIGHT_PX };
}
