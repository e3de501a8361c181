/**
 * A big graph's SVG keeps in the page's rendering only what is near the stage: Chromium paints
 * every displayed element of an SVG each time its transform moves, so G6's 15,003 boxes (with
 * their links and labels) panned at a readable zoom took a median of 83 ms a frame, though a
 * dozen boxes were in view. Past CULL_MIN_BOXES boxes, each move takes out of the drawing what
 * lies over half a stage away from the view and puts back what came near, changing only those.
 * Out, not hidden: when the overview hands the SVG back (overview.ts), Chromium computes the
 * style of every element in it, hidden or not, which took 300-1,000 ms a switch on G6 with
 * 45,000 elements hidden; hiding G4's 455 expanded boxes (display: none) saved a quarter of
 * the first frame's work, taking them out two thirds. What comes back goes to the end of its
 * group: boxes never overlap, so their order does not show.
 */

import type { Point } from '../../core/graph/geometry';
import type { Drawing } from './svg';

/**
 * More boxes than a default view shows (~60): a graph opened further (G4 with every node shown,
 * 455 boxes and 34,866 px tall at a readable zoom) is seen a stage at a time, and its first frame
 * cost Chromium ~100 ms of style, layout and paint for the ~3,000 elements out of view.
 */
export const CULL_MIN_BOXES = 100;

/** Pan and zoom: a drawing point p shows at p × scale + (x, y) on the stage. */
export interface ViewTransform {
  x: number;
  y: number;
  scale: number;
}

/** The part of the drawing kept displayed: the view, and half a stage around it. */
export interface Window {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function windowAround(view: ViewTransform, stage: { width: number; height: number }): Window {
  const [left, top] = [-view.x / view.scale, -view.y / view.scale];
  const [width, height] = [stage.width / view.scale, stage.height / view.scale];
  return { left: left - width / 2, top: top - height / 2, right: left + 1.5 * width, bottom: top + 1.5 * height };
}

/** Whether a rectangle (centre, size) or a polyline's bounds reach into the window. */
export function reaches(window: Window, left: number, top: number, right: number, bottom: number): boolean {
  return right >= window.left && left <= window.right && bottom >= window.top && top <= window.bottom;
}

/** Which of each drawing's elements are out now, kept here: asking the page costs more than the check. */
const taken = new WeakMap<Drawing, { boxes: Uint8Array; links: Uint8Array }>();

/**
 * Past this many links reaching the window, the SVG keeps only those with both ends in it: the
 * others are drawn as pixels under it (overview.ts). G6's 5,000 links into its stack box all
 * reach a window around that box, and Chromium took 150-600 ms a frame to paint them as paths.
 */
export const SVG_MAX_LINKS = 500;

/**
 * Keeps in the drawing the elements that reach the window and takes out the others; a small
 * drawing is left whole. Returns the links that reach the window but were left out of the SVG,
 * one or both ends outside it, where more than SVG_MAX_LINKS reach it: they are to be drawn
 * otherwise.
 */
export function cull(drawing: Drawing, window: Window | null): number[] {
  const near = window === null || drawing.layout.boxes.length < CULL_MIN_BOXES ? null : window;
  let state = taken.get(drawing);
  // The first cull of a drawing put in the page whole takes most of it out: the groups are then
  // refilled in one call each, since removing G4's ~2,900 far elements one by one was a tenth
  // of the script's time opening every node. Later moves change a few elements each.
  const refilled = state === undefined && near !== null;
  if (state === undefined) {
    state = { boxes: new Uint8Array(drawing.boxes.length), links: new Uint8Array(drawing.links.length) };
    taken.set(drawing, state);
  }
  const { boxes, links } = state;
  const { groups } = drawing;
  const place = (element: SVGElement, group: SVGGElement, shown: boolean): void => {
    if (refilled) return;
    if (shown) group.appendChild(element);
    else element.remove();
  };
  drawing.layout.boxes.forEach(({ x, y, width, height }, at) => {
    const shown = near === null || reaches(near, x - width / 2, y - height / 2, x + width / 2, y + height / 2);
    if (shown === (boxes[at] === 0)) return;
    boxes[at] = shown ? 0 : 1;
    place(drawing.boxes[at], groups.boxes, shown);
  });
  const reaching: number[] = [];
  drawing.layout.links.forEach(({ points }, at) => {
    if (near === null || reachesLine(near, points)) reaching.push(at);
  });
  const aside = near !== null && reaching.length > SVG_MAX_LINKS ? reaching.filter(at => !endsIn(near, drawing.layout.links[at].points)) : [];
  const kept = new Uint8Array(links.length);
  for (const at of reaching) kept[at] = 1;
  for (const at of aside) kept[at] = 0;
  kept.forEach((keep, at) => {
    const shown = keep === 1;
    if (shown === (links[at] === 0)) return;
    links[at] = shown ? 0 : 1;
    place(drawing.links[at], groups.links, shown);
    const label = drawing.labels[at];
    if (label !== null) place(label, groups.labels, shown);
  });
  if (refilled) {
    refill(groups.boxes, drawing.boxes, boxes);
    refill(groups.links, drawing.links, links);
    refill(groups.labels, drawing.labels, links);
  }
  return aside;
}

/** Puts in the group exactly the elements not flagged out, in one call. */
function refill(group: SVGGElement, elements: (SVGElement | null)[], out: Uint8Array): void {
  const kept = document.createDocumentFragment();
  elements.forEach((element, at) => element !== null && out[at] === 0 && kept.appendChild(element));
  group.replaceChildren(kept);
}

function endsIn(window: Window, points: Point[]): boolean {
  const [first, last] = [points[0], points[points.length - 1]];
  return reaches(window, first.x, first.y, first.x, first.y) && reaches(window, last.x, last.y, last.x, last.y);
}

function reachesLine(window: Window, points: Point[]): boolean {
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { x, y } of points) {
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  return reaches(window, left, top, right, bottom);
}
