/**
 * The level of detail of a big graph seen from afar: past OVERVIEW_MIN_BOXES boxes and below
 * OVERVIEW_MAX_SCALE, where no label can be read, the drawing is a canvas of the same boxes,
 * links and frames, in their colours, redrawn on each move, instead of the SVG. Chromium paints
 * every element of an SVG on each move of its transform: 6,003 boxes fitted to the stage took
 * 100 ms a frame (the median while panning; G6 at 2,000 leaves), where the canvas draws them in
 * a few. Zoomed in past the switch, the SVG is back, with everything it answers (clicks, focus),
 * culled to what is near the view (culling.ts).
 */

import type { GraphLayout } from '../../core/graph/geometry';
import { cull, windowAround, type ViewTransform } from './culling';
import { drawingOf } from './svg';

export const OVERVIEW_MIN_BOXES = 2_000;
/** The scale below which box titles (12 px) are drawn under 5 px: shapes without words. */
export const OVERVIEW_MAX_SCALE = 0.4;
const OVERVIEW_CLASS = 'is-overview';

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
  svg.after(canvas);
  let cached: { layout: GraphLayout; boxes: OverviewRect[]; colours: Colours } | null = null;

  const shapesOf = (layout: GraphLayout) => {
    if (cached?.layout !== layout) cached = { layout, boxes: overviewBoxes(layout), colours: coloursOf(content) };
    return cached;
  };
  return {
    update(view, stage) {
      const drawing = drawingOf(content);
      const layout = drawing?.layout ?? null;
      const overview = showsOverview(layout, view.scale);
      svg.classList.toggle(OVERVIEW_CLASS, overview);  // for the tests and the stylesheet to tell
      canvas.hidden = !overview;
      // Out of the page while the canvas shows it: hidden only, its elements still cost every frame.
      if (overview === content.isConnected) {
        if (overview) content.remove();
        else svg.append(content);
      }
      if (!overview) {
        if (drawing !== null) cull(drawing, windowAround(view, stage));
        return;
      }
      const shapes = shapesOf(layout);
      fitOver(canvas, stage);
      draw(canvas, layout, shapes.boxes, shapes.colours, view);
    },
    destroy: () => canvas.remove()
  };
}

type Colours = Record<string, { fill: string; stroke: string }> & { link: string; frame: string };

/** The colours the stylesheet gives each kind of box, links and frames, read from the drawn SVG. */
function coloursOf(content: SVGGElement): Colours {
  const read = (selector: string, fallback: { fill: string; stroke: string }) => {
    const element = content.querySelector(selector);
    if (element === null) return fallback;
    const style = getComputedStyle(element);
    return { fill: style.fill || fallback.fill, stroke: style.stroke || fallback.stroke };
  };
  const plain = { fill: '#eef2f8', stroke: '#4a6fa5' };
  const colours: Record<string, { fill: string; stroke: string }> = {};
  for (const kind of ['tensor', 'leaf', 'op', 'folded', 'module']) {
    colours[kind] = read(`.torchinspect-graph-box.is-${kind} .torchinspect-graph-box-frame`, plain);
  }
  return {
    ...colours,
    link: read('.torchinspect-graph-link', { fill: 'none', stroke: '#888' }).stroke,
    frame: read('.torchinspect-graph-frame-box', { fill: 'none', stroke: '#aaa' }).stroke
  } as Colours;
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
 * Boxes a few pixels or less across, written straight into the canvas's pixels: a path of
 * 15,000 rectangles and 20,000 lines took Chromium's software canvas hundreds of milliseconds.
 */
function drawDots(context: CanvasRenderingContext2D, boxes: OverviewRect[], colours: Colours, view: ViewTransform, ratio: number): void {
  const { width, height } = context.canvas;
  const image = context.createImageData(width, height);
  const pixels = new Uint32Array(image.data.buffer);
  const packed = new Map<string, number>();
  const pixel = (value: number, size: number): number => Math.min(Math.max(Math.floor(value), 0), size);
  for (const box of boxes) {
    let colour = packed.get(box.kind);
    if (colour === undefined) packed.set(box.kind, (colour = packedColour(colours[box.kind]?.stroke ?? '#888')));
    const left = pixel((box.left * view.scale + view.x) * ratio, width - 1);
    const top = pixel((box.top * view.scale + view.y) * ratio, height - 1);
    const right = Math.max(left + 1, pixel(((box.left + box.width) * view.scale + view.x) * ratio, width));
    const bottom = Math.max(top + 1, pixel(((box.top + box.height) * view.scale + view.y) * ratio, height));
    for (let y = top; y < bottom; y++) pixels.fill(colour, y * width + left, y * width + right);
  }
  context.putImageData(image, 0, 0);
}

/** A CSS colour as the canvas's pixel words hold it (RGBA bytes, in the machine's order). */
function packedColour(css: string): number {
  const scratch = document.createElement('canvas').getContext('2d');
  if (scratch === null) return 0xff888888;
  scratch.canvas.width = scratch.canvas.height = 1;
  scratch.fillStyle = css;
  scratch.fillRect(0, 0, 1, 1);
  return new Uint32Array(scratch.getImageData(0, 0, 1, 1).data.buffer)[0];
}

function draw(canvas: HTMLCanvasElement, layout: GraphLayout, boxes: OverviewRect[], colours: Colours, view: ViewTransform): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const ratio = window.devicePixelRatio || 1;
  const [width, height] = [canvas.width / ratio, canvas.height / ratio];
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(ratio * view.scale, 0, 0, ratio * view.scale, ratio * view.x, ratio * view.y);
  // What is in view, in drawing coordinates: nothing outside it is drawn.
  const seen = {
    left: -view.x / view.scale, top: -view.y / view.scale,
    right: (width - view.x) / view.scale, bottom: (height - view.y) / view.scale
  };
  const inView = (left: number, top: number, right: number, bottom: number): boolean =>
    right >= seen.left && left <= seen.right && bottom >= seen.top && top <= seen.bottom;
  if (boxes.length > 0 && boxes[0].height * view.scale * ratio < DOT_MAX_PX) {
    drawDots(context, boxes.filter(box => inView(box.left, box.top, box.left + box.width, box.top + box.height)), colours, view, ratio);
    return;
  }
  context.lineWidth = 1 / view.scale;
  context.strokeStyle = colours.frame;
  for (const frame of layout.frames) {
    const [left, top] = [frame.x - frame.width / 2, frame.y - frame.height / 2];
    if (inView(left, top, left + frame.width, top + frame.height)) context.strokeRect(left, top, frame.width, frame.height);
  }
  context.beginPath();
  for (const { points } of layout.links) {
    const [first, last] = [points[0], points[points.length - 1]];
    if (first === undefined || !inView(Math.min(first.x, last.x), Math.min(first.y, last.y), Math.max(first.x, last.x), Math.max(first.y, last.y))) continue;
    context.moveTo(first.x, first.y);
    for (let at = 1; at < points.length; at++) context.lineTo(points[at].x, points[at].y);
  }
  context.strokeStyle = colours.link;
  context.stroke();
  for (const kind of Object.keys(colours)) {
    const colour = colours[kind];
    if (typeof colour === 'string') continue;
    context.beginPath();
    for (const box of boxes) {
      if (box.kind === kind && inView(box.left, box.top, box.left + box.width, box.top + box.height)) {
        context.rect(box.left, box.top, box.width, box.height);
      }
    }
    context.fillStyle = colour.fill;
    context.fill();
    context.strokeStyle = colour.stroke;
    context.stroke();
  }
}
