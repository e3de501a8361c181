// @vitest-environment happy-dom
/**
 * A box's ring (the selection, a search match, the flow's current step, the NaN's origin) is
 * made only for a box that a mark is on (svg.ts): none in a drawing nothing marks, one for
 * each box marked so far, under the box's words, kept when the mark moves on; a box made
 * after the mark was set (a big drawing makes them as they come near) gets its ring too.
 */

import { describe, expect, it } from 'vitest';
import type { GraphLayout } from '../../js_src/core/graph/geometry';
import { layoutGraph } from '../../js_src/core/graph/layout';
import { expandGroupAll, graphModel } from '../../js_src/core/graph/model';
import { CULL_MIN_BOXES, drawLayout, svgElement, type Drawing } from '../../js_src/views/graph/svg';
import { fanSnapshot } from './graph_fan';

const RING = '.torchinspect-graph-box-ring';

function openedFan(leaves: number): GraphLayout {
  let model = graphModel(fanSnapshot(leaves));
  while (model.groups.length > 0) model = expandGroupAll(model, model.groups[0].id);
  return layoutGraph(model, 'down');
}

function drawn(layout: GraphLayout): { content: SVGGElement; drawing: Drawing } {
  const content = svgElement('g', '');
  document.body.appendChild(svgElement('svg', '')).appendChild(content);
  return { content, drawing: drawLayout(content, layout, 'url(#arrow)') };
}

/** Marks exactly the box `id` with `className`, as the graph view's selection does. */
function mark(drawing: Drawing, className: string, id: string): void {
  drawing.dress(className, { box: (element, { box }) => element.classList.toggle(className, box.id === id) });
}

/** The ids of the boxes holding a ring, sorted. */
function ringed(content: SVGGElement): string[] {
  return [...content.querySelectorAll(RING)].map(ring => (ring.parentElement as unknown as SVGGElement).dataset.id!).sort();
}

describe('the rings of a graph\'s boxes', () => {
  it('rings only the boxes a mark is on, under their words, one ring each', () => {
    const layout = openedFan(3);
    expect(layout.boxes.length).toBeLessThan(CULL_MIN_BOXES);
    const { content, drawing } = drawn(layout);
    expect(content.querySelectorAll('.torchinspect-graph-box')).toHaveLength(layout.boxes.length);
    expect(ringed(content)).toEqual([]);

    const [first, second] = layout.boxes;
    mark(drawing, 'is-selected', first.box.id);
    expect(ringed(content)).toEqual([first.box.id]);
    const box = drawing.box(0);
    const parts = [...box.children].map(child => child.getAttribute('class') ?? child.tagName);
    expect(parts).toEqual([
      'torchinspect-graph-box-frame', 'title', 'torchinspect-graph-box-ring', 'torchinspect-graph-box-title', 'torchinspect-graph-box-subtitle'
    ]);
    const ring = box.querySelector(RING)!;
    expect([ring.getAttribute('width'), ring.getAttribute('height')]).toEqual([String(first.width + 8), String(first.height + 8)]);

    // The selection moves on, a search match joins it: the first box keeps its ring, unmarked, hidden by the stylesheet.
    mark(drawing, 'is-selected', second.box.id);
    mark(drawing, 'is-match', first.box.id);
    mark(drawing, 'is-match', second.box.id);
    expect(ringed(content)).toEqual([first.box.id, second.box.id].sort());
    expect(box.classList.contains('is-selected') || box.classList.contains('is-match')).toBe(false);
    mark(drawing, 'is-selected', first.box.id);
    expect(box.querySelectorAll(RING)).toHaveLength(1);
  });

  it('rings a box of a big drawing made after its mark was set, and no other', () => {
    const layout = openedFan(40);
    expect(layout.boxes.length).toBeGreaterThan(CULL_MIN_BOXES);
    const { content, drawing } = drawn(layout);
    const last = layout.boxes.length - 1;
    mark(drawing, 'is-match', layout.boxes[last].box.id);
    expect(ringed(content)).toEqual([]);
    content.append(drawing.box(0), drawing.box(last));
    expect(ringed(content)).toEqual([layout.boxes[last].box.id]);
  });
});
