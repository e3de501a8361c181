/**
 * A big graph's SVG holds only what is near the stage: Chromium paints every displayed element
 * of an SVG each time its transform moves, so G6's 15,003 boxes (with their links and labels)
 * panned at a readable zoom took a median of 83 ms a frame, though a dozen boxes were in view.
 * Past CULL_MIN_BOXES boxes, the drawing starts empty (svg.ts) and each move puts in what
 * lies within half a stage of the view, made on its first coming, and takes out what went
 * further, changing only those. Out, not hidden: when the overview hands the SVG back
 * (overview.ts), Chromium computes the style of every element in it, hidden or not, which took
 * 300-1,000 ms a switch on G6 with 45,000 elements hidden; hiding G4's 455 expanded boxes
 * (display: none) saved a quarter of the first frame's work, taking them out two thirds, and
 * not making them at all saved most of the rest. What comes in goes to the end of its group:
 * boxes never overlap, so their order does not show.
 */

import type { Point } from '../../core/graph/geometry';
import type { Drawing } from './svg';

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

/** Which of each drawing's elements are in the page now, kept here: asking the page costs more than the check. */
const inPage = new WeakMap<Drawing, { boxes: Uint8Array; links: Uint8Array }>();

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
  const near = window === null || drawing.whole ? null : window;
  let state = inPage.get(drawing);
  if (state === undefined) {
    const start = drawing.whole ? 1 : 0;
    state = { boxes: new Uint8Array(drawing.layout.boxes.length).fill(start), links: new Uint8Array(drawing.layout.links.length).fill(start) };
    inPage.set(drawing, state);
  }
  const { boxes, links } = state;
  const { groups } = drawing;
  drawing.layout.boxes.forEach(({ x, y, width, height }, at) => {
    const shown = near === null || reaches(near, x - width / 2, y - height / 2, x + width / 2, y + height / 2);
    if (shown === (boxes[at] === 1)) return;
    boxes[at] = shown ? 1 : 0;
    place(drawing.box(at), groups.boxes, shown);
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
    if (keep === links[at]) return;
    links[at] = keep;
    const shown = keep === 1;
    place(drawing.link(at), groups.links, shown);
    const label = drawing.label(at);
    if (label !== null) place(label, groups.labels, shown);
  });
  return aside;
}

function place(element: SVGElement, group: SVGGElement, shown: boolean): void {
  if (shown) group.appendChild(element);
  else element.remove();
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
