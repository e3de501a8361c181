import { describe, expect, it } from 'vitest';

import { expand, expandGroupAll, graphModel, nodeCount, partToOpenBox, searchBoxes, withPart } from '../../js_src/core/graph/model';
import { nodesIn } from '../../js_src/core/graph/folding';
import type { GraphPart, GraphSnapshot } from '../../js_src/core/schema';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/** `stack([sin(l) for l in leaves])` over six leaves, as the kernel sends it with units 1 to 4 elided. */
function fanUnit(index: number) {
  const sin = node(`n${2 + index}`, 'op', 'SinBackward0');
  const leaf = node(`n${10 + index}`, 'leaf', 'AccumulateGrad', { name: `l${index}`, tensor: tensorOf([4]) });
  return { nodes: [sin, leaf], edges: [edge(leaf.id, sin.id), edge(sin.id, 'n1', index)], ids: [sin.id, leaf.id] };
}

function sentFan(): GraphSnapshot {
  const [first, last] = [fanUnit(0), fanUnit(5)];
  const sent = snapshot(
    [node('t0', 'tensor', null, { tensor: tensorOf([6, 4]) }), node('n1', 'op', 'StackBackward0'), ...first.nodes, ...last.nodes],
    [edge('n1', 't0'), ...first.edges, ...last.edges]
  );
  const names = ['SinBackward0', 'sin', 'AccumulateGrad', 'l1', 'l2', 'l3', 'l4'];
  const links = [{ source: null, target: 'n1', edges: 4 }];
  const elided = [{ units: [1, 5] as [number, number], nodes: 8, held_nbytes: 0, names, names_complete: true, links }];
  const repeat = { container: null, units: [first.ids, last.ids], pattern: ['sin'], label: null, unlike: [], count: 6, elided };
  return { ...sent, folding: { modules: 'none', repeats: [repeat] } };
}

function partOf(units: number[]): GraphPart {
  const made = units.map(fanUnit);
  return { repeat: 'n2', units: made.map(unit => unit.ids), nodes: made.flatMap(unit => unit.nodes), edges: made.flatMap(unit => unit.edges), elided: [] };
}

describe('a graph sent with elided units', () => {
  it('draws the repeat as one box counting every unit, linked by the edges it was sent with, found by its names', () => {
    const model = graphModel(sentFan());
    const fold = model.boxes.find(box => box.kind === 'folded')!;
    expect(fold.title).toBe('× 6: sin');
    expect(nodesIn(fold.group!)).toBe(12);
    expect(nodeCount(model.snapshot)).toBe(14);
    expect(model.links.find(link => link.source === fold.id && link.target === 'n1')?.label).toContain('×6');
    expect(searchBoxes(model, 'l3')).toEqual([fold.id]);
  });

  it('asks the kernel for the units a step shows, then draws them in place with the rest still folded', () => {
    const opened = expand(graphModel(sentFan()), 'repeat:n2');
    const rest = opened.boxes.find(box => box.kind === 'folded')!;
    expect(rest.title).toBe('× 5: sin');
    const asked = partToOpenBox(opened, rest.id, false)!;
    expect(asked).toEqual({ repeat: 'n2', count: 6, stretch: [1, 5], units: [1, 5] });
    const loaded = withPart(opened, partOf([1, 2, 3, 4]), asked);
    expect(partToOpenBox(loaded, rest.id, false)).toBeNull();
    expect(loaded.snapshot.nodes).toHaveLength(14);
    expect(loaded.snapshot.folding!.repeats[0].units).toHaveLength(6);
    expect(loaded.snapshot.folding!.repeats[0].elided).toEqual([]);
    const next = expand(loaded, rest.id);
    expect(next.boxOf.get('n3')).toBe('n3');
    expect(next.boxes.find(box => box.kind === 'folded')?.title).toBe('× 4: sin');
    expect(next.links.filter(link => link.target === 'n1').length).toBeGreaterThan(1);
  });

  it('keeps a run of units still elided as a folded box when everything else opens', () => {
    const model = graphModel(sentFan());
    const asked = partToOpenBox(model, 'repeat:n2', true)!;
    expect(asked.units).toEqual([1, 5]);
    const half = withPart(model, { ...partOf([1, 2]), elided: [{ ...sentFan().folding!.repeats[0].elided![0], units: [3, 5], nodes: 4 }] }, { ...asked, units: [1, 3] });
    expect(half.boxes.filter(box => box.kind === 'folded').map(box => nodesIn(box.group!))).toEqual([12]);
    const all = expandGroupAll(half, 'repeat:n2');
    expect(all.boxes.filter(box => box.kind === 'folded').map(box => box.title)).toEqual(['× 3: sin']);
    expect(['n2', 'n3', 'n4'].map(id => all.boxOf.get(id))).toEqual(['n2', 'n3', 'n4']);
  });
});
