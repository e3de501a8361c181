import { describe, expect, it } from 'vitest';

import { expand, expandGroupAll, graphModel, nodeCount, partToOpenBox, searchBoxes, withPart } from '../../js_src/core/graph/model';
import type { ElidedUnits, GraphNode, GraphPart, GraphRepeat, GraphSnapshot } from '../../js_src/core/schema';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/**
 * A chain of 30 ops nothing repeats in (`op0` to `op29`, from the leaf x to the root), as the
 * kernel sends it past the bound (graph/spans.py): three spans of ten ops, each sent with its
 * first and last unit, the eight between elided.
 */
const OPS = 30;
const SPAN = 10;

function op(at: number): GraphNode {
  return node(`c${at}`, 'op', `Op${at}Backward0`, { sequence_nr: at });
}

function chainEdge(at: number) {
  return edge(`c${at}`, at + 1 < OPS ? `c${at + 1}` : 't0');
}

function elidedRun(span: number, low: number, high: number): ElidedUnits {
  const ops = Array.from({ length: high - low }, (_, at) => op(span * SPAN + low + at));
  return {
    units: [low, high], nodes: high - low, held_nbytes: 0, names: ops.flatMap(found => [found.op!, found.forward_op!]), names_complete: true,
    links: [{ source: `c${span * SPAN + low - 1}`, target: null, edges: 1 }, { source: null, target: `c${span * SPAN + high}`, edges: 1 }]
  };
}

function sentChain(): GraphSnapshot {
  const spans: GraphRepeat[] = [0, 1, 2].map(span => ({
    kind: 'span', container: null, pattern: null, label: null, unlike: [], count: SPAN,
    units: [[`c${span * SPAN}`, ...(span === 0 ? ['x'] : [])], [`c${span * SPAN + SPAN - 1}`]],
    span: { first: span * SPAN, of: OPS, module: span === 2 ? 'head' : null },
    elided: [elidedRun(span, 1, SPAN - 1)]
  }));
  const sent = spans.flatMap(span => span.units.map(unit => Number(unit[0].slice(1))));
  const graph = snapshot(
    [node('t0', 'tensor', null, { tensor: tensorOf([]) }), node('x', 'leaf', 'AccumulateGrad', { name: 'x', tensor: tensorOf([4]) }), ...sent.map(op)],
    [edge('x', 'c0'), ...sent.filter(at => sent.includes(at + 1) || at + 1 === OPS).map(chainEdge)]
  );
  return { ...graph, folding: { modules: 'none', repeats: spans } };
}

/** What the kernel answers for units `low` to `high` of the first span, with the run left after them. */
function partOf(low: number, high: number, left: ElidedUnits[]): GraphPart {
  const ops = Array.from({ length: high - low }, (_, at) => op(low + at));
  return { repeat: 'c0', units: ops.map(found => [found.id]), nodes: ops, edges: ops.map((_, at) => chainEdge(low + at)), elided: left };
}

describe('a graph nothing repeats in, sent as spans of forward order', () => {
  it('opens as one box per span saying which ops it holds, counting every node, found by the names it was sent', () => {
    const model = graphModel(sentChain());
    const folds = model.boxes.filter(box => box.kind === 'folded');
    expect(folds.map(box => box.title)).toEqual(['ops 1–10 of 30', 'ops 11–20 of 30', 'ops 21–30 of 30']);
    expect(folds.map(box => box.subtitle)).toEqual(['in forward order · 11 nodes', 'in forward order · 10 nodes', 'in head, in forward order · 10 nodes']);
    expect(model.boxes).toHaveLength(4);
    expect(nodeCount(model.snapshot)).toBe(OPS + 2);
    expect(model.links.map(link => `${link.source} → ${link.target}`)).toEqual(['span:c0 → span:c10', 'span:c10 → span:c20', 'span:c20 → t0']);
    expect(searchBoxes(model, 'op15')).toEqual(['span:c10']);
  });

  it('asks for the whole of a span at one click, then draws every op of it, the other spans still folded', () => {
    const model = graphModel(sentChain());
    const asked = partToOpenBox(model, 'span:c0', false)!;
    expect(asked).toEqual({ repeat: 'c0', count: SPAN, stretch: [1, 9], units: [1, 9] });
    const loaded = withPart(model, partOf(1, 9, []), asked);
    expect(partToOpenBox(loaded, 'span:c0', false)).toBeNull();
    const opened = expand(loaded, 'span:c0');
    expect(Array.from({ length: SPAN }, (_, at) => opened.boxOf.get(`c${at}`))).toEqual(Array.from({ length: SPAN }, (_, at) => `c${at}`));
    expect(opened.boxOf.get('x')).toBe('x');
    expect(opened.boxes.filter(box => box.kind === 'folded').map(box => box.title)).toEqual(['ops 11–20 of 30', 'ops 21–30 of 30']);
    expect(opened.links.some(link => link.source === 'c9' && link.target === 'span:c10')).toBe(true);
  });

  it('keeps what the kernel has not sent of a long span folded, saying which ops are left', () => {
    const model = graphModel(sentChain());
    const asked = { ...partToOpenBox(model, 'span:c0', true)!, units: [1, 5] as [number, number] };
    const half = withPart(model, partOf(1, 5, [elidedRun(0, 5, 9)]), asked);
    for (const opened of [expand(half, 'span:c0'), expandGroupAll(half, 'span:c0')]) {
      const rest = opened.boxes.find(box => box.kind === 'folded')!;
      expect([rest.id, rest.title, rest.subtitle]).toEqual(['span:c0+5', 'ops 6–10 of 30', 'in forward order · 5 nodes']);
      expect(['c0', 'c4', 'c9'].map(id => opened.boxOf.get(id))).toEqual(['c0', 'c4', 'span:c0+5']);
      expect(partToOpenBox(opened, rest.id, false)).toEqual({ repeat: 'c0', count: SPAN, stretch: [5, 9], units: [5, 9] });
      expect(searchBoxes(opened, 'op7')).toEqual([rest.id]);
    }
  });
});
