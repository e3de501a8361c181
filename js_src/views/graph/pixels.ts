/**
 * Drawing straight into a canvas's pixels, for the overview of a big graph (overview.ts):
 * Chromium's software canvas rasterizes a path's strokes at the next paint, and on G6 fully
 * opened the ~5,000 links that cross the view near its stack box (each a line of one pixel,
 * anti-aliased) took it 50-170 ms a frame, where writing their pixels here takes a few.
 */

/** A canvas's pixels as 32-bit words, one a pixel, row after row. */
export interface Pixels {
  words: Uint32Array;
  width: number;
  height: number;
}

/** A CSS colour as the canvas's pixel words hold it (RGBA bytes, in the machine's order). */
export function packedColour(css: string): number {
  const scratch = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (scratch === null) return 0xff888888;
  scratch.canvas.width = scratch.canvas.height = 1;
  scratch.fillStyle = css;
  scratch.fillRect(0, 0, 1, 1);
  return new Uint32Array(scratch.getImageData(0, 0, 1, 1).data.buffer)[0];
}

/** Fills the pixels a rectangle (in pixels, edges rounded down) covers, at least one. */
export function fillRect(pixels: Pixels, colour: number, left: number, top: number, right: number, bottom: number): void {
  const { words, width, height } = pixels;
  const clampTo = (value: number, size: number): number => Math.min(Math.max(Math.floor(value), 0), size);
  const [x0, y0] = [clampTo(left, width - 1), clampTo(top, height - 1)];
  const [x1, y1] = [Math.max(x0 + 1, clampTo(right, width)), Math.max(y0 + 1, clampTo(bottom, height))];
  for (let y = y0; y < y1; y++) words.fill(colour, y * width + x0, y * width + x1);
}

/**
 * Draws straight lines into the pixels, each from one pixel to another, once: what of a line lies
 * off the canvas is cut first (Liang-Barsky), so its ends are pixels on the canvas however far
 * its own ends lie, and lines with the same two pixels as ends are drawn once. G6's 5,000 links
 * into its stack box, seen near that box, are nearly level lines that all leave the canvas at its
 * sides: a few hundred pairs of ends, where drawing each took 10-40 ms.
 */
export function lineDrawer(pixels: Pixels): (colour: number, x0: number, y0: number, x1: number, y1: number) => void {
  const drawn = new Map<number, Set<number>>();
  const area = pixels.width * pixels.height;
  const ends = new Float64Array(2);
  return (colour, x0, y0, x1, y1) => {
    if (!clip(pixels, x0, y0, x1, y1, ends)) return;
    let done = drawn.get(colour);
    if (done === undefined) drawn.set(colour, (done = new Set()));
    const key = Math.min(ends[0], ends[1]) * area + Math.max(ends[0], ends[1]);
    if (done.has(key)) return;
    done.add(key);
    drawBetween(pixels, colour, ends[0], ends[1]);
  };
}

// The functions below run for each of thousands of links a frame, the first frames before the
// engine compiles them: plain numbers, no arrays or closures made per call.

/**
 * Writes into `ends` the pixels (as indexes) where the line from (x0, y0) to (x1, y1) enters and
 * leaves the canvas; false if it misses it. Each edge of the canvas is p × t <= q where the
 * line is inside it.
 */
function clip({ width, height }: Pixels, x0: number, y0: number, x1: number, y1: number, ends: Float64Array): boolean {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let enter = 0;
  let leave = 1;
  for (let edge = 0; edge < 4; edge++) {
    const p = edge === 0 ? -dx : edge === 1 ? dx : edge === 2 ? -dy : dy;
    const q = edge === 0 ? x0 : edge === 1 ? width - 1 - x0 : edge === 2 ? y0 : height - 1 - y0;
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter > leave) return false;
  }
  ends[0] = pixelAt(width, height, x0 + enter * dx, y0 + enter * dy);
  ends[1] = pixelAt(width, height, x0 + leave * dx, y0 + leave * dy);
  return true;
}

function pixelAt(width: number, height: number, x: number, y: number): number {
  return Math.min(Math.max(Math.round(y), 0), height - 1) * width + Math.min(Math.max(Math.round(x), 0), width - 1);
}

/** Sets the pixels of the straight line between two pixels, one a step along its longer axis. */
function drawBetween({ words, width }: Pixels, colour: number, from: number, to: number): void {
  const fromX = from % width;
  const fromY = (from - fromX) / width;
  const toX = to % width;
  const toY = (to - toX) / width;
  const steps = Math.max(Math.abs(toX - fromX), Math.abs(toY - fromY));
  const stepX = steps === 0 ? 0 : (toX - fromX) / steps;
  const stepY = steps === 0 ? 0 : (toY - fromY) / steps;
  // Half a pixel on, so that truncating rounds.
  let x = fromX + 0.5;
  let y = fromY + 0.5;
  for (let step = 0; step <= steps; step++, x += stepX, y += stepY) words[(y | 0) * width + (x | 0)] = colour;
}
