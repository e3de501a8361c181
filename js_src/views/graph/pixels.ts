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
 * Sets the pixels of the straight line from (x0, y0) to (x1, y1) that lie on the canvas, one
 * a step along its longer axis: what of it lies off the canvas is cut first (Liang-Barsky),
 * so a line is at most the canvas's width or height long, however far its ends.
 */
export function drawLine(pixels: Pixels, colour: number, x0: number, y0: number, x1: number, y1: number): void {
  const { words, width, height } = pixels;
  const [dx, dy] = [x1 - x0, y1 - y0];
  let [enter, leave] = [0, 1];
  // Each edge of the canvas as (p, q): the line is inside where p × t <= q.
  const edges = [-dx, x0, dx, width - 1 - x0, -dy, y0, dy, height - 1 - y0];
  for (let at = 0; at < 8; at += 2) {
    const [p, q] = [edges[at], edges[at + 1]];
    if (p === 0) {
      if (q < 0) return;
      continue;
    }
    const t = q / p;
    if (p < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter > leave) return;
  }
  const [fromX, fromY] = [x0 + enter * dx, y0 + enter * dy];
  const steps = Math.round(Math.max(Math.abs(leave - enter) * Math.abs(dx), Math.abs(leave - enter) * Math.abs(dy)));
  const [stepX, stepY] = steps === 0 ? [0, 0] : [((leave - enter) * dx) / steps, ((leave - enter) * dy) / steps];
  for (let step = 0; step <= steps; step++) {
    const x = Math.min(Math.max(Math.round(fromX + step * stepX), 0), width - 1);
    const y = Math.min(Math.max(Math.round(fromY + step * stepY), 0), height - 1);
    words[y * width + x] = colour;
  }
}
