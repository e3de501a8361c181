/**
 * The shapes of a graph's layout: where boxes, links and module frames go, and what the layered
 * layout places and returns. Shared by the layout (layout.ts) and the two layouts it calls on
 * (nested_layout.ts, path_layout.ts), and read by the view that draws them. Pure data, no DOM.
 */

import type { GraphBox, GraphLink } from './model';
import type { ModuleGroup } from './modules';

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
  /** Where its shape label goes: halfway along it, or along its piece between two modules. */
  labelAt: Point;
}

/** An open module drawn as a frame around what it holds; `x`, `y`: its centre. */
export interface PlacedFrame {
  module: ModuleGroup;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  boxes: PlacedBox[];
  links: PlacedLink[];
  /** Open modules, outermost first, so that inner frames draw over outer ones. */
  frames: PlacedFrame[];
  width: number;
  height: number;
}

/** What the layered layout places: a box or a frame, by its size. */
export interface LayoutItem {
  id: string;
  width: number;
  height: number;
}

/** Where the layered layout put each item (by index) and how it routed each edge (by index). */
export interface LayeredPlacement {
  centres: Point[];
  routes: Point[][];
  width: number;
  height: number;
}

/** The point half a polyline's length along it: between the boxes, not on either. */
export function halfway(points: Point[]): Point {
  const lengths = points.slice(1).map((point, at) => Math.hypot(point.x - points[at].x, point.y - points[at].y));
  let left = lengths.reduce((sum, length) => sum + length, 0) / 2;
  for (let at = 0; at < lengths.length; at++) {
    if (left <= lengths[at] && lengths[at] > 0) {
      const share = left / lengths[at];
      const [from, to] = [points[at], points[at + 1]];
      return { x: from.x + (to.x - from.x) * share, y: from.y + (to.y - from.y) * share };
    }
    left -= lengths[at];
  }
  return points[points.length - 1];
}
