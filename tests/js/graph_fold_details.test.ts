import { describe, expect, it } from 'vitest';

import { graphModel } from '../../js_src/core/graph/model';
import type { ElidedUnits, GraphRepeat, GraphSnapshot } from '../../js_src/core/schema';
import { detailFields, useFakeDocument } from './details_fields';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/**
 * What the kernel sends at its last resort (graph/wire.py `_gathered`): 40 leaves `l0`…`l39` that a
 * stack `s` and a cat `c` both take, folded as the stack's inputs with `others: 1`, and a span of
 * the 10 ops `o0`…`o9` after them, each fold sent with its first and last unit.
 */
const LEAVES = 40;
const OPS = 10;

function run(count: number, target: string | null, source: string | null): ElidedUnits {
  return { units: [1, count - 1], nodes: count - 2, held_nbytes: 0, names: [], names_complete: true, links: [{ source, target, edges: count - 2 }] };
}

function sentLastResort(): GraphSnapshot {
  const ops = Array.from({ length: OPS }, (_, at) => node(`o${at}`, 'op', `Op${at}Backward0`, { sequence_nr: 2 + at }));
  const leaves = [0, LEAVES - 1].map(at => node(`l${at}`, 'leaf', 'AccumulateGrad', { name: `leaf${at}`, tensor: tensorOf([2]) }));
  const graph = snapshot(
    [node('t0', 'tensor', null, { tensor: tensorOf([]) }), ops[OPS - 1], ops[0], node('s', 'op', 'StackBackward0', { sequence_nr: 0 }), node('c', 'op', 'CatBackward0', { sequence_nr: 1 }), ...leaves],
    [edge(`o${OPS - 1}`, 't0'), edge('s', 'o0'), edge('c', 'o0', 1), ...leaves.flatMap(leaf => [edge(leaf.id, 's'), edge(leaf.id, 'c')])]
  );
  const inputs: GraphRepeat = {
    kind: 'inputs', container: null, pattern: null, label: null, unlike: [], count: LEAVES,
    units: [['l0'], [`l${LEAVES - 1}`]], inputs: { of: 's', op: 'StackBackward0', others: 1 }, elided: [run(LEAVES, 's', null)]
  };
  const span: GraphRepeat = {
    kind: 'span', container: null, pattern: null, label: null, unlike: [], count: OPS,
    units: [['o0'], [`o${OPS - 1}`]], span: { first: 0, of: OPS, module: null }, elided: [run(OPS, null, 'o0')]
  };
  return { ...graph, folding: { modules: 'none', repeats: [inputs, span] } };
}

/** The details panel of a folded box as label → text. */
function foldFields(boxId: string): Map<string, string> {
  const model = graphModel(sentLastResort());
  return detailFields(model, model.boxes.find(candidate => candidate.id === boxId)!);
}

describe('the details panel of folds the kernel cut', () => {
  useFakeDocument();

  it('says of leaves other nodes take too whose inputs they are folded as, and how many others take them', () => {
    expect(foldFields('inputs:l0').get('holds')).toBe('40 leaves StackBackward0 (s) takes, and 1 other node takes too');
  });

  it("counts a kernel span's ops, which it sends one a unit and without a pattern", () => {
    const model = graphModel(sentLastResort());
    expect(model.boxes.find(box => box.id === 'span:o0')?.title).toBe('ops 1–10 of 10');
    expect(foldFields('span:o0').get('holds')).toBe('10 ops in forward order, and the leaves only they take');
  });
});
