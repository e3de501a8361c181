/**
 * Draws a laid-out graph as SVG: a box per node or folded group, a path with an arrowhead and
 * a shape label per link, each made when first asked for. Every label is an SVG text node's
 * textContent, never markup.
 */

import type { GraphLayout, PlacedBox, PlacedLink, Point } from '../../core/graph/geometry';

const SVG_NS = 'http://www.w3.org/2000/svg';
// Unique on the page even when it runs several copies of this module (anywidget imports the
// bundle once per widget), so no view's arrows point at another view's marker.
const ARROW_ID_PREFIX = `torchinspect-graph-arrow-${Math.random().toString(36).slice(2, 10)}-`;
let arrowIds = 0;

export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  className: string,
  attributes: Record<string, string | number> = {}
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  if (className) node.setAttribute('class', className);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** The arrowhead's marker; each view gets its own id, since ids are shared by the whole page. */
export function arrowMarker(): { defs: SVGDefsElement; url: string } {
  const id = `${ARROW_ID_PREFIX}${arrowIds++}`;
  const defs = svgElement('defs', '');
  const marker = svgElement('marker', '', {
    id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'
  });
  marker.appendChild(svgElement('path', 'torchinspect-graph-arrowhead', { d: 'M 0 0 L 10 5 L 0 10 z' }));
  defs.appendChild(marker);
  return { defs, url: `url(#${id})` };
}

/**
 * More boxes than a default view shows (~60): a drawing this big is seen a stage at a time (G4
 * with every node shown, 455 boxes, is 34,866 px tall at a readable zoom, a stage showing a
 * dozen), so its elements are made only as culling (culling.ts) asks for those near the view.
 */
export const CULL_MIN_BOXES = 100;

/**
 * What restyles a drawing's elements (the search's and the selection's marks, the gradient
 * flow's colours): run on every element made so far when it is set, and on each made after.
 * A box that a dresser leaves with a class beyond its own two (`torchinspect-graph-box
 * is-<kind>`: is-selected, is-match, the flow's is-current, …) gets its ring then (see ringIfMarked).
 */
export interface Dresser {
  box?(element: SVGGElement, placed: PlacedBox): void;
  link?(element: SVGPathElement, placed: PlacedLink): void;
}

/**
 * A laid-out graph and the elements that draw it, each box, link and label made on its first
 * ask: making G4's ~2,900 elements with every node shown took ~25 ms of the ~45 ms of script
 * that opening it cost, for the ~100 that a stage around the root shows.
 */
export interface Drawing {
  layout: GraphLayout;
  /** Whether the drawing was put in the page whole; a big one starts empty and culling puts in what is near. */
  whole: boolean;
  /** Each box's position in the layout, by box id. */
  boxAt: ReadonlyMap<string, number>;
  /** The element of the layout's box at `at`, made and dressed on the first ask. */
  box(at: number): SVGGElement;
  link(at: number): SVGPathElement;
  /** Null for a link without a label. */
  label(at: number): SVGTextElement | null;
  /** Sets the dresser of that name (replacing the one set before) and runs it on every element made so far. */
  dress(name: string, dresser: Dresser): void;
  /** Runs `undo` on every element made so far and forgets the dresser of that name. */
  undress(name: string, undo: Dresser): void;
  /** The groups holding them, where culling puts in what comes near. */
  groups: { links: SVGGElement; boxes: SVGGElement; labels: SVGGElement };
}

const drawings = new WeakMap<SVGGElement, Drawing>();

/** What `content` draws, for what shows it otherwise (the overview, culling); null before the first drawing. */
export function drawingOf(content: SVGGElement): Drawing | null {
  return drawings.get(content) ?? null;
}

/**
 * Fills `content` with the layout's groups: a small layout's every element, a big one's none
 * (culling puts in what is near the view, made then).
 */
export function drawLayout(content: SVGGElement, layout: GraphLayout, arrowUrl: string): Drawing {
  const groups = {
    links: svgElement('g', 'torchinspect-graph-links'),
    boxes: svgElement('g', 'torchinspect-graph-boxes'),
    labels: svgElement('g', 'torchinspect-graph-link-labels')
  };
  const drawing = lazyDrawing(layout, arrowUrl, groups);
  if (drawing.whole) {
    layout.links.forEach((_, at) => {
      groups.links.appendChild(drawing.link(at));
      const label = drawing.label(at);
      if (label !== null) groups.labels.appendChild(label);
    });
    layout.boxes.forEach((_, at) => groups.boxes.appendChild(drawing.box(at)));
  }
  drawings.set(content, drawing);
  content.replaceChildren(groups.links, groups.boxes, groups.labels);
  return drawing;
}

function lazyDrawing(layout: GraphLayout, arrowUrl: string, groups: Drawing['groups']): Drawing {
  const boxes = new Array<SVGGElement | undefined>(layout.boxes.length);
  const links = new Array<SVGPathElement | undefined>(layout.links.length);
  const labels = new Array<SVGTextElement | null | undefined>(layout.links.length);
  const dressers = new Map<string, Dresser>();
  const dressAll = (dresser: Dresser): void => {
    if (dresser.box) {
      boxes.forEach((element, at) => {
        dresser.box!(element!, layout.boxes[at]);
        ringIfMarked(element!, layout.boxes[at]);
      });
    }
    if (dresser.link) links.forEach((element, at) => dresser.link!(element!, layout.links[at]));
  };
  return {
    layout,
    whole: layout.boxes.length < CULL_MIN_BOXES,
    boxAt: new Map(layout.boxes.map(({ box }, at) => [box.id, at])),
    groups,
    box(at) {
      let element = boxes[at];
      if (element === undefined) {
        boxes[at] = element = boxElement(layout.boxes[at]);
        for (const dresser of dressers.values()) dresser.box?.(element, layout.boxes[at]);
        ringIfMarked(element, layout.boxes[at]);
      }
      return element;
    },
    link(at) {
      let element = links[at];
      if (element === undefined) {
        links[at] = element = linkPath(layout.links[at], arrowUrl);
        for (const dresser of dressers.values()) dresser.link?.(element, layout.links[at]);
      }
      return element;
    },
    label(at) {
      let element = labels[at];
      if (element === undefined) labels[at] = element = layout.links[at].link.label ? linkLabel(layout.links[at]) : null;
      return element;
    },
    dress(name, dresser) {
      dressers.set(name, dresser);
      dressAll(dresser);
    },
    undress(name, undo) {
      dressers.delete(name);
      dressAll(undo);
    }
  };
}

function boxElement({ box, x, y, width, height }: PlacedBox): SVGGElement {
  const group = boxPrototype().cloneNode(true) as SVGGElement;
  // Walked, not listed: no array made for each box's four known children.
  const frame = group.firstElementChild!;
  const tooltip = frame.nextElementSibling!;
  const title = tooltip.nextElementSibling!;
  const subtitle = title.nextElementSibling!;
  group.setAttribute('class', `torchinspect-graph-box is-${box.kind}`);
  group.setAttribute('transform', `translate(${x - width / 2}, ${y - height / 2})`);
  group.setAttribute('data-id', box.id);
  frame.setAttribute('width', String(width));
  frame.setAttribute('height', String(height));
  tooltip.textContent = box.kind === 'folded' ? `${box.title}: click to expand` : `${box.title} ${box.subtitle}`;
  title.setAttribute('x', String(width / 2));
  title.textContent = box.title;
  subtitle.setAttribute('x', String(width / 2));
  subtitle.textContent = box.subtitle;
  return group;
}

/** A box's own classes: `torchinspect-graph-box is-<kind>`; any more is a mark that shows as its ring. */
const OWN_CLASSES = 2;
const RING_CLASS = 'torchinspect-graph-box-ring';

/**
 * Gives a marked box (selected, a search match, the flow's current or flagged step, the NaN's
 * origin) its ring, under its words, the first time it is marked; the stylesheet shows the ring
 * while a mark is on. Made only where needed: a ring on every box was a quarter of the cost of
 * making the boxes (G3's 39 boxes in Chromium: 1.98 ms with it, 1.45 ms without).
 */
function ringIfMarked(group: SVGGElement, { width, height }: PlacedBox): void {
  if (group.classList.length <= OWN_CLASSES) return;
  const tooltip = group.firstElementChild!.nextElementSibling!;
  if (tooltip.nextElementSibling!.classList.contains(RING_CLASS)) return;
  const ring = ringPrototype().cloneNode() as SVGRectElement;
  ring.setAttribute('width', String(width + 8));
  ring.setAttribute('height', String(height + 8));
  tooltip.after(ring);
}

let prototypeBox: SVGGElement | null = null;
let prototypeRing: SVGRectElement | null = null;

/**
 * What every box shares: cloned for each box, since copying the attributes that never change
 * costs less than setting them one by one (about half of the time G4's 455 boxes took, in Chromium).
 */
function boxPrototype(): SVGGElement {
  if (prototypeBox?.ownerDocument === document) return prototypeBox;
  prototypeBox = svgElement('g', 'torchinspect-graph-box');
  prototypeBox.append(
    svgElement('rect', 'torchinspect-graph-box-frame', { rx: 6, ry: 6 }),
    svgElement('title', ''),
    svgElement('text', 'torchinspect-graph-box-title', { y: 17 }),
    svgElement('text', 'torchinspect-graph-box-subtitle', { y: 33 })
  );
  return prototypeBox;
}

function ringPrototype(): SVGRectElement {
  if (prototypeRing?.ownerDocument === document) return prototypeRing;
  prototypeRing = svgElement('rect', RING_CLASS, { x: -4, y: -4, rx: 9, ry: 9 });
  return prototypeRing;
}

function linkPath({ link, points }: PlacedLink, arrowUrl: string): SVGPathElement {
  const path = linkPrototypes().path.cloneNode() as SVGPathElement;
  path.setAttribute('d', smoothPath(points));
  path.setAttribute('marker-end', arrowUrl);
  path.setAttribute('data-source', link.source);
  path.setAttribute('data-target', link.target);
  return path;
}

function linkLabel({ link, labelAt: middle }: PlacedLink): SVGTextElement {
  const label = linkPrototypes().label.cloneNode() as SVGTextElement;
  label.setAttribute('x', String(middle.x + 6));
  label.setAttribute('y', String(middle.y + 4));
  label.textContent = link.label;
  return label;
}

let prototypeLinks: { path: SVGPathElement; label: SVGTextElement } | null = null;

/** A link's path and label to clone, as boxes are (boxPrototype). */
function linkPrototypes(): { path: SVGPathElement; label: SVGTextElement } {
  if (prototypeLinks?.path.ownerDocument === document) return prototypeLinks;
  prototypeLinks = { path: svgElement('path', 'torchinspect-graph-link'), label: svgElement('text', 'torchinspect-graph-link-label') };
  return prototypeLinks;
}

/** A curve through the layout's bend points: quadratic segments between their midpoints. */
function smoothPath(points: Point[]): string {
  const [first, ...rest] = points;
  if (rest.length === 0) return `M ${first.x} ${first.y}`;
  const parts = [`M ${first.x} ${first.y}`];
  for (let at = 0; at < rest.length - 1; at++) {
    const [control, next] = [rest[at], rest[at + 1]];
    parts.push(`Q ${control.x} ${control.y} ${(control.x + next.x) / 2} ${(control.y + next.y) / 2}`);
  }
  const last = rest[rest.length - 1];
  parts.push(`L ${last.x} ${last.y}`);
  return parts.join(' ');
}
