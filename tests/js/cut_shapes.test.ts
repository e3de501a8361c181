/** A shape past 1,024 dimensions, which the kernel sends cut (long_shapes.py), as the page reads it. */
import { describe, expect, it } from 'vitest';

import { edgeShapes } from '../../js_src/core/graph/edge_shapes';
import { indexGraph } from '../../js_src/core/graph/folding';
import { nodeLabel } from '../../js_src/core/graph/model';
import { formatShape, formatStrides } from '../../js_src/core/format';
import { parseGradients } from '../../js_src/core/gradients/record';
import { cardGroups } from '../../js_src/core/tensor/card';
import { GRADIENTS_SCHEMA, type CutDims, type GraphNode, type TensorSnapshot } from '../../js_src/core/schema';
import { pythonSnapshots } from './fixtures';
import { edge, node, snapshot } from './graph_shapes';

/** `[1] * 60_000 + [3]` as the kernel sends it: its first and last 8 sizes and its length. */
const CUT: CutDims<number> = { length: 60_001, head: [1, 1, 1, 1, 1, 1, 1, 1], tail: [1, 1, 1, 1, 1, 1, 1, 3] };
const READ = '[1, 1, 1, 1, 1, 1, 1, 1, …, 1, 1, 1, 1, 1, 1, 1, 3] (60,001 dims)';

describe('a cut shape', () => {
  it('reads as its first and last sizes and how many dimensions there are', () => {
    expect(formatShape(CUT)).toBe(READ);
    expect(formatShape({ length: 2_000, head: [null, 2], tail: [3, 4] })).toBe('[*, 2, …, 3, 4] (2,000 dims)');
    expect(formatStrides(CUT)).toBe('(1, 1, 1, 1, 1, 1, 1, 1, …, 1, 1, 1, 1, 1, 1, 1, 3) (60,001 dims)');
    expect(formatShape([2, 3])).toBe('[2, 3]');
  });

  it("is the tensor card's shape and strides, with a hint that says the middle is not listed", () => {
    const base = Object.values(pythonSnapshots)[0];
    const cut: TensorSnapshot = { ...base, shape: CUT, strides: CUT, preview: null, values: null };
    const fields = cardGroups(cut).flatMap(group => group.fields);
    const shape = fields.find(field => field.label === 'shape')!;
    expect(shape.value).toBe(READ);
    expect(shape.hint).toMatch(/first and last/);
    expect(fields.find(field => field.label === 'strides')!.value).toBe(formatStrides(CUT));
  });

  it("is a graph box's subtitle, and no edge's shape is guessed from it", () => {
    const tensor = { shape: CUT, dtype: 'float32', requires_grad: true } as NonNullable<GraphNode['tensor']>;
    const leaf = node('n1', 'leaf', 'AccumulateGrad', { tensor, name: 'x' });
    expect(nodeLabel(leaf)).toEqual({ title: 'x', subtitle: READ });
    const graph = snapshot([node('t0', 'tensor', null, { tensor }), node('n0', 'op', 'SinBackward0'), leaf], [edge('n1', 'n0'), edge('n0', 't0')]);
    expect(edgeShapes(graph, indexGraph(graph)).size).toBe(0);
  });

  it("is a recorded gradient's shape, read as sent", () => {
    const summary = { dtype: 'float32', numel: 3, of: 'values', norm: 1, min: 0, max: 1, rms: 1, nan: 0, posinf: 0, neginf: 0, values: null };
    const record = parseGradients({
      schema: GRADIENTS_SCHEMA, passes: 1, complete: true, order: ['n0'], parameters: [], flags: [],
      nodes: { n0: { step: 0, arriving: [{ ...summary, shape: CUT }], leaving: [{ ...summary, shape: [3] }] } }
    })!;
    expect(formatShape(record.nodes.n0.arriving[0]!.shape)).toBe(READ);
    expect(record.nodes.n0.leaving[0]!.shape).toEqual([3]);
  });
});
