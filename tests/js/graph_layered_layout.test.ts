/**
 * The layered layout (layered_layout.ts): inputs above what takes them, no box over another,
 * links from box edge to box edge around the boxes between, few crossings, cycles drawn.
 */

import { describe, expect, it } from 'vitest';
import { layeredLayout } from '../../js_src/core/graph/layered_layout';
import type { LayeredPlacement, LayoutItem, Point } from '../../js_src/core/graph/geometry';

type Edge = { source: string; target: string };

function items(ids: string[], width = 100): LayoutItem[] {
  return ids.map(id => ({ id, width, height: 40 }));
}

function edges(pairs: string): Edge[] {
  return pairs.split(' ').map(pair => {
    const [source, target] = pair.split('>');
    return { source, target };
  });
}

function centreOf(placed: LayeredPlacement, all: LayoutItem[], id: string): Point {
  return placed.centres[all.findIndex(item => item.id === id)];
}

/** Whether a point lies on the item's border (within a pixel) and not inside it. */
function onBorder(point: Point, centre: Point, item: LayoutItem): boolean {
  const [dx, dy] = [Math.abs(point.x - centre.x), Math.abs(point.y - centre.y)];
  const within = dx <= item.width / 2 + 1 && dy <= item.height / 2 + 1;
  return within && (dx >= item.width / 2 - 1 || dy >= item.height / 2 - 1);
}

function inside(point: Point, centre: Point, item: LayoutItem): boolean {
  return Math.abs(point.x - centre.x) < item.width / 2 && Math.abs(point.y - centre.y) < item.height / 2;
}

/** Pairs of link segments that cross, links from or to the same item left out. */
function crossings(placed: LayeredPlacement, links: Edge[]): number {
  const side = (a: Point, b: Point, c: Point) => Math.sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
  const cross = (a: Point, b: Point, c: Point, d: Point) => side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
  const segments = placed.routes.map(points => points.slice(1).map((point, at) => [points[at], point] as const));
  let count = 0;
  for (let one = 0; one < links.length; one++) {
    for (let other = one + 1; other < links.length; other++) {
      const ends = new Set([links[one].source, links[one].target]);
      if (ends.has(links[other].source) || ends.has(links[other].target)) continue;
      for (const [a, b] of segments[one]) for (const [c, d] of segments[other]) if (cross(a, b, c, d)) count++;
    }
  }
  return count;
}

/** A residual network's shape: blocks of two ops with a skip link, parameters into each op. */
function residual(blocks: number): { all: LayoutItem[]; links: Edge[] } {
  const ids = ['input'];
  const pairs: string[] = [];
  let last = 'input';
  for (let block = 0; block < blocks; block++) {
    const [conv, norm, add, weight] = [`conv${block}`, `norm${block}`, `add${block}`, `weight${block}`];
    ids.push(conv, norm, add, weight);
    pairs.push(`${last}>${conv}`, `${weight}>${conv}`, `${conv}>${norm}`, `${norm}>${add}`, `${last}>${add}`);
    last = add;
  }
  return { all: items(ids, 120), links: edges(pairs.join(' ')) };
}

describe('the layered layout', () => {
  it('puts every input above what takes it, and no box over another in its layer', () => {
    const { all, links } = residual(6);
    const placed = layeredLayout(all, links, 'down', 16);
    for (const { source, target } of links) expect(centreOf(placed, all, source).y).toBeLessThan(centreOf(placed, all, target).y);
    const rows = new Map<number, { left: number; right: number }[]>();
    all.forEach((item, at) => {
      const { x, y } = placed.centres[at];
      expect(x - item.width / 2).toBeGreaterThanOrEqual(16 - 1e-9);
      expect(x + item.width / 2).toBeLessThanOrEqual(placed.width - 16 + 1e-9);
      rows.set(y, [...(rows.get(y) ?? []), { left: x - item.width / 2, right: x + item.width / 2 }]);
    });
    for (const row of rows.values()) {
      row.sort((a, b) => a.left - b.left);
      for (let at = 1; at < row.length; at++) expect(row[at].left - row[at - 1].right).toBeGreaterThanOrEqual(28 - 1e-9);
    }
  });

  it('puts a parameter in the layer right above the op that takes it', () => {
    const { all, links } = residual(3);
    const placed = layeredLayout(all, links, 'down', 16);
    const layers = [...new Set(placed.centres.map(centre => centre.y))].sort((a, b) => a - b);
    const layer = (id: string) => layers.indexOf(centreOf(placed, all, id).y);
    for (let block = 0; block < 3; block++) expect(layer(`weight${block}`)).toBe(layer(`conv${block}`) - 1);
  });

  it('routes each link from its source box\'s border to its target box\'s, around the boxes between', () => {
    const { all, links } = residual(4);
    const placed = layeredLayout(all, links, 'down', 16);
    links.forEach(({ source, target }, at) => {
      const points = placed.routes[at];
      const item = (id: string) => all.find(candidate => candidate.id === id)!;
      expect(onBorder(points[0], centreOf(placed, all, source), item(source))).toBe(true);
      expect(onBorder(points[points.length - 1], centreOf(placed, all, target), item(target))).toBe(true);
      for (let next = 1; next < points.length; next++) expect(points[next].y).toBeGreaterThan(points[next - 1].y);
      for (const point of points.slice(1, -1)) {
        all.forEach((other, index) => expect(inside(point, placed.centres[index], other)).toBe(false));
      }
    });
  });

  it('orders layers so that links that need not cross do not', () => {
    // Given in the worst order: each top item's link goes to the far side.
    const all = items(['a', 'b', 'c', 'x', 'y', 'z', 'root']);
    const links = edges('a>z b>y c>x x>root y>root z>root');
    expect(crossings(layeredLayout(all, links, 'down', 16), links)).toBe(0);
    const { all: blocks, links: residualLinks } = residual(6);
    expect(crossings(layeredLayout(blocks, residualLinks, 'down', 16), residualLinks)).toBe(0);
  });

  it('draws a cycle, its closing link running up the page', () => {
    const all = items(['a', 'b', 'c']);
    const links = edges('a>b b>c c>a');
    const placed = layeredLayout(all, links, 'down', 16);
    const [a, c] = [centreOf(placed, all, 'a'), centreOf(placed, all, 'c')];
    expect(a.y).toBeLessThan(c.y);
    const back = placed.routes[2];
    expect(back[0].y).toBeLessThan(c.y);
    expect(back[back.length - 1].y).toBeGreaterThan(a.y);
  });

  it('puts the roots on top when flipped, the drawing the same size', () => {
    const { all, links } = residual(2);
    const [down, up] = [layeredLayout(all, links, 'down', 16), layeredLayout(all, links, 'up', 16)];
    expect(centreOf(up, all, 'add1').y).toBeLessThan(centreOf(up, all, 'input').y);
    expect([up.width, up.height]).toEqual([down.width, down.height]);
    all.forEach((_, at) => expect(up.centres[at].y).toBeCloseTo(down.height - down.centres[at].y));
  });

  it('lays the same items and links out the same way every time', () => {
    const { all, links } = residual(5);
    expect(layeredLayout(all, links, 'down', 16)).toEqual(layeredLayout(all, links, 'down', 16));
  });
});
