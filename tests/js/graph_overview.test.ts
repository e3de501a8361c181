// @vitest-environment happy-dom
/**
 * The overview of a big graph (overview.ts) writes links and dots straight into the canvas's
 * pixels (pixels.ts): a line lands on the pixels along it and only those on the canvas, however
 * far its ends; and the overview takes its colours from the stylesheet in force while the
 * drawing itself is out of the page.
 */

import { describe, expect, it } from 'vitest';
import { coloursOf } from '../../js_src/views/graph/overview';
import { fillRect, lineDrawer, type Pixels } from '../../js_src/views/graph/pixels';
import { svgElement } from '../../js_src/views/graph/svg';

const INK = 7;

function blank(width: number, height: number): Pixels {
  return { words: new Uint32Array(width * height), width, height };
}

function inked({ words, width }: Pixels): { x: number; y: number }[] {
  const set: { x: number; y: number }[] = [];
  words.forEach((word, at) => {
    if (word === INK) set.push({ x: at % width, y: Math.floor(at / width) });
  });
  return set;
}

/** Checks the inked pixels make one unbroken run along the line through (x0, y0) and (x1, y1). */
function expectAlong(pixels: Pixels, [x0, y0, x1, y1]: number[]): { x: number; y: number }[] {
  const set = inked(pixels);
  const length = Math.hypot(x1 - x0, y1 - y0);
  for (const { x, y } of set) {
    // Each pixel's distance from the line: at most half a pixel's diagonal off it.
    expect(Math.abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) / length).toBeLessThanOrEqual(Math.SQRT1_2 + 1e-9);
  }
  const major = Math.abs(x1 - x0) >= Math.abs(y1 - y0) ? 'x' : 'y';
  const sorted = [...set].sort((a, b) => a[major] - b[major]);
  for (let at = 1; at < sorted.length; at++) {
    // Neighbours, one step apart along the longer axis: no gap, no pixel twice.
    expect(sorted[at][major] - sorted[at - 1][major]).toBe(1);
    expect(Math.abs(sorted[at].x - sorted[at - 1].x) + Math.abs(sorted[at].y - sorted[at - 1].y)).toBeLessThanOrEqual(2);
  }
  return sorted;
}

describe('a line written into the pixels', () => {
  it('inks the pixels along it, end to end', () => {
    const pixels = blank(40, 30);
    lineDrawer(pixels)(INK, 2, 3, 37, 20);
    const run = expectAlong(pixels, [2, 3, 37, 20]);
    expect(run[0]).toEqual({ x: 2, y: 3 });
    expect(run[run.length - 1]).toEqual({ x: 37, y: 20 });
  });

  it('keeps to the canvas when its ends lie far off it, crossing it edge to edge', () => {
    const pixels = blank(40, 30);
    const line = [-100_000, -20_000, 100_040, 20_010];
    lineDrawer(pixels)(INK, line[0], line[1], line[2], line[3]);
    const run = expectAlong(pixels, line);
    expect(run[0].x).toBe(0);
    expect(run[run.length - 1].x).toBe(39);
    expect(run).toHaveLength(40);
  });

  it('inks nothing for a line that passes the canvas by, or lies beyond an edge', () => {
    const pixels = blank(40, 30);
    lineDrawer(pixels)(INK, -50, 10, 10, -50);
    lineDrawer(pixels)(INK, 45, 0, 45, 29);
    lineDrawer(pixels)(INK, -5, -5, -5, -5);
    expect(inked(pixels)).toEqual([]);
  });

  it('inks the same pixels for a fan of lines into one point as for each line on its own', () => {
    // G6 seen near its stack box: thousands of nearly level links that leave the canvas at its sides.
    const [together, apart] = [blank(60, 40), blank(60, 40)];
    const line = lineDrawer(together);
    for (let at = -2_000; at <= 2_000; at += 7) {
      line(INK, at * 50, 5, 30, 35);
      lineDrawer(apart)(INK, at * 50, 5, 30, 35);
    }
    expect(inked(together).length).toBeGreaterThan(100);
    expect(inked(together)).toEqual(inked(apart));
  });

  it('draws a vertical line and a point', () => {
    const pixels = blank(10, 10);
    lineDrawer(pixels)(INK, 4, -3, 4, 20);
    expect(inked(pixels)).toEqual(Array.from({ length: 10 }, (_, y) => ({ x: 4, y })));
    const point = blank(10, 10);
    lineDrawer(point)(INK, 6.2, 7.4, 6.2, 7.4);
    expect(inked(point)).toEqual([{ x: 6, y: 7 }]);
  });
});

describe('a dot written into the pixels', () => {
  it('covers its rectangle, at least one pixel, cut to the canvas', () => {
    const pixels = blank(10, 10);
    fillRect(pixels, INK, 2, 3, 4.5, 5);
    fillRect(pixels, INK, 8.2, 8.7, 8.4, 8.9);
    fillRect(pixels, INK, -4, 9, 1, 40);
    expect(inked(pixels)).toEqual([
      { x: 2, y: 3 }, { x: 3, y: 3 }, { x: 2, y: 4 }, { x: 3, y: 4 }, { x: 8, y: 8 }, { x: 0, y: 9 }
    ]);
  });
});

describe('the overview\'s colours', () => {
  it('are the stylesheet\'s, read while the drawing is out of the page', () => {
    const style = document.head.appendChild(document.createElement('style'));
    const svg = document.body.appendChild(svgElement('svg', 'torchinspect-graph-stage'));
    const theme = (fill: string, stroke: string, link: string) => {
      style.textContent = `
        .torchinspect-graph-box.is-op .torchinspect-graph-box-frame { fill: ${fill}; stroke: ${stroke}; }
        .torchinspect-graph-link { stroke: ${link}; }`;
      return coloursOf(svg);
    };
    const light = theme('rgb(238, 242, 248)', 'rgb(74, 111, 165)', 'rgb(136, 136, 136)');
    expect(light.boxes.op).toMatchObject({ fill: 'rgb(238, 242, 248)', stroke: 'rgb(74, 111, 165)' });
    expect(light.link).toBe('rgb(136, 136, 136)');
    const dark = theme('rgb(20, 28, 40)', 'rgb(76, 141, 255)', 'rgb(150, 160, 170)');
    expect(dark.boxes.op).toMatchObject({ fill: 'rgb(20, 28, 40)', stroke: 'rgb(76, 141, 255)' });
    expect(dark.link).toBe('rgb(150, 160, 170)');
    // The sample it read from is gone: the stage holds what it held.
    expect(svg.childElementCount).toBe(0);
    svg.remove();
    style.remove();
  });
});
