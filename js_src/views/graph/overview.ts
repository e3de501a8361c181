/**
 * The level of detail of a big graph seen from afar: past OVERVIEW_MIN_BOXES boxes and below
 * OVERVIEW_MAX_SCALE, where no label can be read, the drawing is a canvas of the same boxes,
 * links and frames, in their colours, redrawn on each move, instead of the SVG. Chromium paints
 * every element of an SVG on each move of its transform: 6,003 boxes fitted to the stage took
 * 100 ms a frame (the median while panning; G6 at 2,000 leaves), where the canvas draws them in
 * a few. Zoomed in past the switch, the SVG is back, with everything it answers (clicks, focus),
 * culled to what is near the view (culling.ts).
 *
 * Below OVERVIEW_MAX_SCALE the SVG of any graph draws no words either (WORDLESS_CLASS): Chromium
 * lays every label out again at each new scale, and G4's 455 boxes fitted (every one in the
 * page, under OVERVIEW_MIN_BOXES) took 20-40 ms of layout a frame while panning and zooming,
 * with 4-12 frames over 50 ms a try; without the labels, 0-1.
 */

import type { GraphLayout } from '../../core/graph/geometry';
import { cull, windowAround, type ViewTransform } from './culling';
import { fillRect, lineDrawer, packedColour, type Pixels } from './pixels';
import { drawingOf, svgElement, type Drawing } from './svg';

export const OVERVIEW_MIN_BOXES = 2_000;
/** The scale below which box titles (12 px) are drawn under 5 px: shapes without words. */
export const OVERVIEW_MAX_SCALE = 0.4;
const OVERVIEW_CLASS = 'is-overview';
/** On the stage while the canvas under it shows: its background is the canvas's then. */
const UNDER_CLASS = 'has-canvas';
/** On the stage below OVERVIEW_MAX_SCALE: the stylesheet takes the drawing's text out of the layout. */
export const WORDLESS_CLASS = 'is-wordless';

/** A rectangle in drawing coordinates: what the overview draws for a box or a frame. */
export interface OverviewRect {
  id: string;
  kind: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Whether a drawing of `layout` seen at `scale` is drawn as the overview. */
export function showsOverview(layout: GraphLayout | null, scale: number): layout is GraphLayout {
  return layout !== null && layout.boxes.length >= OVERVIEW_MIN_BOXES && scale < OVERVIEW_MAX_SCALE;
}

/** The boxes the overview draws: every box of the layout, as the SVG draws it. */
export function overviewBoxes(layout: GraphLayout): OverviewRect[] {
  return layout.boxes.map(({ box, x, y, width, height }) => ({
    id: box.id, kind: box.kind, left: x - width / 2, top: y - height / 2, width, height
  }));
}

export interface Overview {
  /** Draws the content as the overview or as SVG, whichever the transform asks for, on a stage of that size. */
  update(view: ViewTransform, stage: { width: number; height: number }): void;
  destroy(): void;
}

export function mountOverview(svg: SVGSVGElement, content: SVGGElement): Overview {
  const canvas = document.createElement('canvas');
  canvas.className = 'torchinspect-graph-overview';
  canvas.hidden = true;
  canvas.setAttribute('aria-hidden', 'true');
  svg.before(canvas);  // under the SVG (the stylesheet stacks them), for the links left out of it
  let cached: { layout: GraphLayout; boxes: OverviewRect[] } | null = null;
  let colours: Colours | null = null;
  let image: ImageData | null = null;

  const boxesOf = (layout: GraphLayout): OverviewRect[] => {
    if (cached?.layout !== layout) cached = { layout, boxes: overviewBoxes(layout) };
    return cached.boxes;
  };
  /** The canvas's pixels, blank: kept from frame to frame while the stage keeps its size. */
  const blankImage = (context: CanvasRenderingContext2D): ImageData => {
    if (image?.width !== canvas.width || image.height !== canvas.height) image = context.createImageData(canvas.width, canvas.height);
    else new Uint32Array(image.data.buffer).fill(0);
    return image;
  };
  return {
    update(view, stage) {
      const drawing = drawingOf(content);
      const layout = drawing?.layout ?? null;
      const overview = showsOverview(layout, view.scale);
      const aside = !overview && drawing !== null ? cull(drawing, windowAround(view, stage)) : [];
      const painting = overview || aside.length > 0;
      // Read as the canvas comes in, not each frame: a theme changed meanwhile shows from the next time.
      if (painting && (canvas.hidden || colours === null)) colours = coloursOf(svg);
      svg.classList.toggle(OVERVIEW_CLASS, overview);  // for the tests and the stylesheet to tell
      svg.classList.toggle(UNDER_CLASS, painting);
      svg.classList.toggle(WORDLESS_CLASS, view.scale < OVERVIEW_MAX_SCALE);
      canvas.hidden = !painting;
      // Out of the page while the canvas shows it: hidden only, its elements still cost every frame.
      if (overview === content.isConnected) {
        if (overview) content.remove();
        else svg.append(content);
      }
      if (!painting || drawing === null || layout === null) return;
      fitOver(canvas, stage);
      const context = canvas.getContext('2d');
      if (context === null || colours === null) return;
      if (overview) draw(context, blankImage(context), layout, boxesOf(layout), colours, view);
      else drawAside(context, blankImage(context), drawing, aside, colours, view);
    },
    destroy: () => canvas.remove()
  };
}

/** Each kind of box's colours, and the links' and frames', as the stylesheet gives them, packed for the pixels too. */
interface Colours {
  boxes: Record<string, { fill: string; stroke: string; packed: number }>;
  link: string;
  linkPacked: number;
  frame: string;
}

const KINDS = ['tensor', 'leaf', 'op', 'folded', 'module'];

/**
 * The colours the stylesheet gives each kind of box, links and frames, read from one sample of
 * each put in the stage for the moment: the drawing itself is out of the page while the overview
 * shows, and what is out of the page has no style (the fallbacks would be the light theme's).
 */
export function coloursOf(svg: SVGSVGElement): Colours {
  const sample = svgElement('g', 'torchinspect-graph-colour-sample');
  const boxFrames = KINDS.map(kind => {
    const box = sample.appendChild(svgElement('g', `torchinspect-graph-box is-${kind}`));
    return box.appendChild(svgElement('rect', 'torchinspect-graph-box-frame'));
  });
  const link = sample.appendChild(svgElement('path', 'torchinspect-graph-link'));
  const frame = sample.appendChild(svgElement('g', 'torchinspect-graph-frame')).appendChild(svgElement('rect', 'torchinspect-graph-frame-box'));
  svg.appendChild(sample);
  const read = (element: Element, fallback: { fill: string; stroke: string }) => {
    const style = getComputedStyle(element);
    return { fill: style.fill || fallback.fill, stroke: style.stroke || fallback.stroke };
  };
  const boxes: Colours['boxes'] = {};
  KINDS.forEach((kind, at) => {
    const { fill, stroke } = read(boxFrames[at], { fill: '#eef2f8', stroke: '#4a6fa5' });
    boxes[kind] = { fill, stroke, packed: packedColour(stroke) };
  });
  const linkStroke = read(link, { fill: 'none', stroke: '#888' }).stroke;
  const colours = { boxes, link: linkStroke, linkPacked: packedColour(linkStroke), frame: read(frame, { fill: 'none', stroke: '#aaa' }).stroke };
  sample.remove();
  return colours;
}

/** Sizes the canvas to the stage (the stylesheet lays it over it), at the screen's pixel density. */
function fitOver(canvas: HTMLCanvasElement, stage: { width: number; height: number }): void {
  const ratio = window.devicePixelRatio || 1;
  const [width, height] = [Math.round(stage.width * ratio), Math.round(stage.height * ratio)];
  if (canvas.width === width && canvas.height === height) return;
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${stage.width}px`;
  canvas.style.height = `${stage.height}px`;
}

/** Below this many device pixels high, boxes are dots of their colour and links are left out. */
const DOT_MAX_PX = 3;

/**
 * Draws the links culling left out of the SVG, in the colour the gradient flow gave each
 * (paint.ts sets it on the link's element, in the page or not, made for it) or the stylesheet's.
 */
function drawAside(context: CanvasRenderingContext2D, image: ImageData, drawing: Drawing, aside: number[], colours: Colours, view: ViewTransform): void {
  const ratio = window.devicePixelRatio || 1;
  const pixels: Pixels = { words: new Uint32Array(image.data.buffer), width: image.width, height: image.height };
  const packed = new Map<string, number>([['', colours.linkPacked]]);
  const line = lineDrawer(pixels);
  const [pixelX, pixelY] = [(x: number) => (x * view.scale + view.x) * ratio, (y: number) => (y * view.scale + view.y) * ratio];
  for (const at of aside) {
    const stroke = drawing.link(at).style.stroke;
    let colour = packed.get(stroke);
    if (colour === undefined) packed.set(stroke, (colour = packedColour(stroke)));
    const { points } = drawing.layout.links[at];
    for (let step = 1; step < points.length; step++) {
      line(colour, pixelX(points[step - 1].x), pixelY(points[step - 1].y), pixelX(points[step].x), pixelY(points[step].y));
    }
  }
  context.putImageData(image, 0, 0);
}

/**
 * Draws what is in view: links written into the pixels (pixels.ts), then either boxes as dots
 * there too, when they are a few pixels or less across (a path of 15,000 rectangles took
 * Chromium's software canvas hundreds of milliseconds), or frames and boxes as shapes over them.
 */
function draw(context: CanvasRenderingContext2D, image: ImageData, layout: GraphLayout, boxes: OverviewRect[], colours: Colours, view: ViewTransform): void {
  const ratio = window.devicePixelRatio || 1;
  const pixels: Pixels = { words: new Uint32Array(image.data.buffer), width: image.width, height: image.height };
  // What is in view, in drawing coordinates: nothing outside it is drawn.
  const seen = {
    left: -view.x / view.scale, top: -view.y / view.scale,
    right: (image.width / ratio - view.x) / view.scale, bottom: (image.height / ratio - view.y) / view.scale
  };
  const inView = (left: number, top: number, right: number, bottom: number): boolean =>
    right >= seen.left && left <= seen.right && bottom >= seen.top && top <= seen.bottom;
  const [pixelX, pixelY] = [(x: number) => (x * view.scale + view.x) * ratio, (y: number) => (y * view.scale + view.y) * ratio];
  const seenBoxes = boxes.filter(box => inView(box.left, box.top, box.left + box.width, box.top + box.height));
  const dots = boxes.length > 0 && boxes[0].height * view.scale * ratio < DOT_MAX_PX;
  if (dots) {
    for (const box of seenBoxes) {
      const colour = colours.boxes[box.kind]?.packed ?? colours.linkPacked;
      fillRect(pixels, colour, pixelX(box.left), pixelY(box.top), pixelX(box.left + box.width), pixelY(box.top + box.height));
    }
    context.putImageData(image, 0, 0);
    return;
  }
  const line = lineDrawer(pixels);
  for (const { points } of layout.links) {
    const first = points[0];
    const last = points[points.length - 1];
    if (first === undefined || !inView(Math.min(first.x, last.x), Math.min(first.y, last.y), Math.max(first.x, last.x), Math.max(first.y, last.y))) continue;
    for (let at = 1; at < points.length; at++) {
      line(colours.linkPacked, pixelX(points[at - 1].x), pixelY(points[at - 1].y), pixelX(points[at].x), pixelY(points[at].y));
    }
  }
  context.putImageData(image, 0, 0);
  context.setTransform(ratio * view.scale, 0, 0, ratio * view.scale, ratio * view.x, ratio * view.y);
  context.lineWidth = 1 / view.scale;
  context.strokeStyle = colours.frame;
  for (const frame of layout.frames) {
    const [left, top] = [frame.x - frame.width / 2, frame.y - frame.height / 2];
    if (inView(left, top, left + frame.width, top + frame.height)) context.strokeRect(left, top, frame.width, frame.height);
  }
  for (const [kind, colour] of Object.entries(colours.boxes)) {
    context.beginPath();
    for (const box of seenBoxes) {
      if (box.kind === kind) context.rect(box.left, box.top, box.width, box.height);
    }
    context.fillStyle = colour.fill;
    context.fill();
    context.strokeStyle = colour.stroke;
    context.stroke();
  }
}
