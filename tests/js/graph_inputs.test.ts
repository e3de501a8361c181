import { describe, expect, it } from 'vitest';

import { expand, graphModel, nodeCount, partToOpenBox, searchBoxes, withPart } from '../../js_src/core/graph/model';
import type { ElidedUnits, GraphNode, GraphPart, GraphSnapshot } from '../../js_src/core/schema';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/**
 * `torch.stack` of 40 leaves nothing else takes (`l0` to `l39`), as the kernel sends it past the
 * bound (graph/inputs.py): one fold of the stack's inputs, its first and last leaf sent, the 38
 * between elided, linked to the stack by their 38 edges.
 */
const LEAVES = 40;

function leaf(at: number): GraphNode {
  return node(`l${at}`, 'leaf', 'AccumulateGrad', { name: `leaf${at}`, tensor: tensorOf([3]) });
}

function elidedRun(low: number, high: number): ElidedUnits {
  const names = Array.from({ length: high - low }, (_, at) => `leaf${low + at}`);
  return { units: [low, high], nodes: high - low, held_nbytes: 0, names: ['AccumulateGrad', ...names], names_complete: true, links: [{ source: null, target: 's', edges: high - low }] };
}

function sentStack(): GraphSnapshot {
  const graph = snapshot(
    [node('t0', 'tensor', null, { tensor: tensorOf([]) }), node('n0', 'op', 'SumBackward0', { sequence_nr: 1 }), node('s', 'op', 'StackBackward0', { sequence_nr: 0 }), leaf(0), leaf(LEAVES - 1)],
    [edge('n0', 't0'), edge('s', 'n0'), edge('l0', 's', 0), edge(`l${LEAVES - 1}`, 's', LEAVES - 1)]
  );
  const inputs = {
    kind: 'inputs' as const, container: null, pattern: null, label: null, unlike: [], count: LEAVES,
    units: [['l0'], [`l${LEAVES - 1}`]], inputs: { of: 's', op: 'StackBackward0' }, elided: [elidedRun(1, LEAVES - 1)]
  };
  return { ...graph, folding: { modules: 'none', repeats: [inputs] } };
}

/** What the kernel answers for leaves `low` to `high`, with the run left after them. */
function partOf(low: number, high: number, left: ElidedUnits[]): GraphPart {
  const leaves = Array.from({ length: high - low }, (_, at) => leaf(low + at));
  return { repeat: 'l0', units: leaves.map(found => [found.id]), nodes: leaves, edges: leaves.map((_, at) => edge(`l${low + at}`, 's', low + at)), elided: left };
}

describe("a node's inputs the kernel folded, many leaves wide", () => {
  it('draw as one box saying how many inputs of which op, linked to it by all their edges, found by their names', () => {
    const model = graphModel(sentStack());
    const folded = model.boxes.filter(box => box.kind === 'folded');
    expect(folded.map(box => [box.id, box.title, box.subtitle])).toEqual([['inputs:l0', '40 inputs of StackBackward0', 'leaves it alone takes · 40 nodes']]);
    expect(model.boxes.map(box => box.id).sort()).toEqual(['inputs:l0', 'n0', 's', 't0']);
    expect(nodeCount(model.snapshot)).toBe(LEAVES + 3);
    expect(model.links.find(link => link.source === 'inputs:l0')).toEqual({ source: 'inputs:l0', target: 's', label: '×40' });
    expect(searchBoxes(model, 'leaf17')).toEqual(['inputs:l0']);
  });

  it('say how many other nodes take them too where the kernel folded leaves others take as well', () => {
    const sent = sentStack();
    const [inputs] = sent.folding!.repeats;
    const shared = { ...sent, folding: { ...sent.folding!, repeats: [{ ...inputs, inputs: { of: 's', op: 'StackBackward0', others: 2 } }] } };
    const folded = graphModel(shared).boxes.filter(box => box.kind === 'folded');
    expect(folded.map(box => [box.title, box.subtitle])).toEqual([['40 inputs of StackBackward0', 'leaves 2 other nodes take too · 40 nodes']]);
  });

  it('asks for every leaf left out at one click, and opens to each leaf into the op', () => {
    const model = graphModel(sentStack());
    const asked = partToOpenBox(model, 'inputs:l0', false)!;
    expect(asked).toEqual({ repeat: 'l0', count: LEAVES, stretch: [1, LEAVES - 1], units: [1, LEAVES - 1] });
    const opened = expand(withPart(model, partOf(1, LEAVES - 1, []), asked), 'inputs:l0');
    expect(opened.boxes.filter(box => box.kind === 'folded')).toEqual([]);
    expect(Array.from({ length: LEAVES }, (_, at) => opened.boxOf.get(`l${at}`))).toEqual(Array.from({ length: LEAVES }, (_, at) => `l${at}`));
    expect(opened.links.filter(link => link.target === 's')).toHaveLength(LEAVES);
  });

  it('keeps the leaves the kernel has not sent yet folded, saying how many more', () => {
    const model = graphModel(sentStack());
    const asked = { ...partToOpenBox(model, 'inputs:l0', true)!, units: [1, 20] as [number, number] };
    const opened = expand(withPart(model, partOf(1, 20, [elidedRun(20, LEAVES - 1)]), asked), 'inputs:l0');
    const rest = opened.boxes.find(box => box.kind === 'folded')!;
    expect([rest.title, rest.subtitle]).toEqual(['20 more inputs of StackBackward0', 'leaves it alone takes · 20 nodes']);
    expect(opened.boxOf.get('l19')).toBe('l19');
    expect(partToOpenBox(opened, rest.id, false)).toEqual({ repeat: 'l0', count: LEAVES, stretch: [20, LEAVES - 1], units: [20, LEAVES - 1] });
  });
});
