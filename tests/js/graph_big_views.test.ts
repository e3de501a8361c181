/**
 * Big graphs: the layout in linear passes that replaces the layered one past
 * LAYERED_MAX_ITEMS, and the overview that draws a big layout from afar with the same boxes.
 */

import { describe, expect, it } from 'vitest';
import { LAYERED_MAX_ITEMS, layered, layoutGraph } from '../../js_src/core/graph/layout';
import { quickLayered } from '../../js_src/core/graph/quick_layout';
import { expandGroupAll, graphModel } from '../../js_src/core/graph/model';
import { overviewBoxes, showsOverview, OVERVIEW_MAX_SCALE, OVERVIEW_MIN_BOXES } from '../../js_src/views/graph/overview';
import { reaches, windowAround } from '../../js_src/views/graph/culling';
import { fanSnapshot } from './graph_fan';

/** G6's shape: `stack([sin(l).sum() for l in leaves]).sum()`, as items and edges (inputs first). */
function fan(leaves: number): { items: { id: string; width: number; height: number }[]; edges: { source: string; target: string }[] } {
  const items = [{ id: 'root', width: 120, height: 42 }, { id: 'stack', width: 120, height: 42 }];
  const edges = [{ source: 'stack', target: 'root' }];
  for (let at = 0; at < leaves; at++) {
    items.push({ id: `l${at}`, width: 64, height: 42 }, { id: `sin${at}`, width: 150, height: 42 }, { id: `sum${at}`, width: 150, height: 42 });
    edges.push({ source: `l${at}`, target: `sin${at}` }, { source: `sin${at}`, target: `sum${at}` }, { source: `sum${at}`, target: 'stack' });
  }
  return { items, edges };
}

function checkLayered(direction: 'down' | 'up', leaves: number): void {
  const { items, edges } = fan(leaves);
  const placed = quickLayered(items, edges, direction, 16);
  const at = new Map(items.map((item, index) => [item.id, index]));
  // Every edge runs from its input's layer to a later one, in the direction asked.
  for (const { source, target } of edges) {
    const [from, to] = [placed.centres[at.get(source)!], placed.centres[at.get(target)!]];
    expect(direction === 'down' ? from.y < to.y : from.y > to.y).toBe(true);
  }
  // No two boxes of a layer overlap, and all lie inside the drawing.
  const rows = new Map<number, { left: number; right: number }[]>();
  items.forEach((item, index) => {
    const { x, y } = placed.centres[index];
    expect(x - item.width / 2).toBeGreaterThanOrEqual(0);
    expect(x + item.width / 2).toBeLessThanOrEqual(placed.width);
    expect(y + item.height / 2).toBeLessThanOrEqual(placed.height);
    rows.set(y, [...(rows.get(y) ?? []), { left: x - item.width / 2, right: x + item.width / 2 }]);
  });
  for (const row of rows.values()) {
    row.sort((a, b) => a.left - b.left);
    for (let index = 1; index < row.length; index++) expect(row[index].left).toBeGreaterThanOrEqual(row[index - 1].right);
  }
  expect(rows.size).toBe(5);
  expect(placed.routes).toHaveLength(edges.length);
}

describe('the layout of a big graph', () => {
  it('puts a fan of 2,000 leaves in 5 layers, edges forward, no box over another', () => checkLayered('down', 2_000));
  it('does so with the root at the top too', () => checkLayered('up', 400));

  it('is the layered one up to LAYERED_MAX_ITEMS items, and the linear one past it', () => {
    const small = fan(100);
    expect(small.items.length).toBeLessThanOrEqual(LAYERED_MAX_ITEMS);
    expect(layered(small.items, small.edges, 'down', 16)).not.toEqual(quickLayered(small.items, small.edges, 'down', 16));
    const big = fan(400);
    expect(big.items.length).toBeGreaterThan(LAYERED_MAX_ITEMS);
    expect(layered(big.items, big.edges, 'down', 16)).toEqual(quickLayered(big.items, big.edges, 'down', 16));
  });
});

describe('the overview of a big graph', () => {
  const opened = (leaves: number) => {
    let model = graphModel(fanSnapshot(leaves));
    while (model.groups.length > 0) model = expandGroupAll(model, model.groups[0].id);
    return layoutGraph(model, 'down');
  };

  it('draws every box of the layout, where the SVG draws it, and nothing else', () => {
    const layout = opened(700);
    expect(layout.boxes.length).toBe(3 * 700 + 3);
    const drawn = overviewBoxes(layout);
    expect(drawn.map(box => box.id)).toEqual(layout.boxes.map(placed => placed.box.id));
    drawn.forEach((box, at) => {
      const placed = layout.boxes[at];
      expect([box.left + box.width / 2, box.top + box.height / 2, box.width, box.height, box.kind])
        .toEqual([placed.x, placed.y, placed.width, placed.height, placed.box.kind]);
    });
  });

  it('takes over from the SVG only for a big graph, and only where labels cannot be read', () => {
    const layout = opened(700);
    expect(layout.boxes.length).toBeGreaterThanOrEqual(OVERVIEW_MIN_BOXES);
    expect(showsOverview(layout, OVERVIEW_MAX_SCALE / 2)).toBe(true);
    expect(showsOverview(layout, OVERVIEW_MAX_SCALE)).toBe(false);
    expect(showsOverview(opened(10), OVERVIEW_MAX_SCALE / 2)).toBe(false);
  });

  it('keeps displayed, near the view, the boxes in view and half a stage around', () => {
    const window = windowAround({ x: -1000, y: 0, scale: 2 }, { width: 800, height: 400 });
    // In view: drawing x from 500 to 900, y from 0 to 200; kept: 300 to 1100, -100 to 300.
    expect(reaches(window, 290, 0, 310, 10)).toBe(true);
    expect(reaches(window, 1090, 290, 1200, 400)).toBe(true);
    expect(reaches(window, 200, 0, 290, 10)).toBe(false);
    expect(reaches(window, 500, 301, 600, 400)).toBe(false);
  });
});
