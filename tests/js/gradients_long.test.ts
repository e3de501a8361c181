import { describe, expect, it } from 'vitest';

import { arrivingNorm, edgeGradient, parseGradients } from '../../js_src/core/gradients/record';
import { withPartGradients } from '../../js_src/core/gradients/part';
import { indexGraph } from '../../js_src/core/graph/folding';
import { GRADIENTS_SCHEMA } from '../../js_src/core/schema';
import { edge, node, snapshot } from './graph_shapes';

/** A gradient summary as the kernel sends it, its norm tagging it. */
function grad(norm: number, nan = 0): Record<string, unknown> {
  return { shape: [1], dtype: 'float32', numel: 1, of: 'values', norm, min: 0, max: 0, rms: 0, nan, posinf: 0, neginf: 0, values: null };
}

/**
 * `stack` (n1) of 40 inputs and `split` (n2) into 30 outputs, as the kernel sends their records with
 * a folded graph (graph/long_records.py): the first 16 entries of each list, the entries of the
 * edges drawn past them by index, and the magnitude of all that arrived.
 */
function sentRecord(magnitude: Record<string, unknown>): unknown {
  return {
    schema: GRADIENTS_SCHEMA, passes: 1, complete: true, order: ['n1', 'n2'], parameters: [], flags: [], steps: 80,
    nodes: {
      n1: { step: 0, arriving: [grad(1)], leaving: Array.from({ length: 16 }, (_, at) => grad(100 + at)), long: { leaving: { length: 40, at: { 39: grad(139) } } } },
      n2: { step: 1, arriving: Array.from({ length: 16 }, (_, at) => grad(200 + at)), leaving: [grad(2)], long: { arriving: { length: 30, at: {}, magnitude } } }
    }
  };
}

describe('a record of a node with gradients by the thousand, cut by the kernel', () => {
  it('reads each list at its whole length, the entries sent in their places, the link drawn past the first 16 coloured', () => {
    const gradients = parseGradients(sentRecord({ norm: 7, nan: 0, inf: 0 }))!;
    const leaving = gradients.nodes.n1.leaving;
    expect(leaving).toHaveLength(40);
    expect([leaving[0]?.norm, leaving[15]?.norm, leaving[16], leaving[38], leaving[39]?.norm]).toEqual([100, 115, null, null, 139]);
    expect(gradients.nodes.n2.arriving).toHaveLength(30);
    const graph = snapshot([node('n1', 'op', 'StackBackward0'), node('n0', 'leaf', 'AccumulateGrad')], [edge('n0', 'n1', 39)]);
    expect(edgeGradient(gradients, indexGraph(graph), graph.edges[0])?.norm).toBe(139);
  });

  it("colours the node by the magnitude of all it received, as the kernel measured it, NaN and Inf as the page reads them", () => {
    expect(arrivingNorm(parseGradients(sentRecord({ norm: 7, nan: 0, inf: 0 }))!, 'n2')).toBe(7);
    expect(arrivingNorm(parseGradients(sentRecord({ norm: 7, nan: 2, inf: 0 }))!, 'n2')).toBeNaN();
    expect(arrivingNorm(parseGradients(sentRecord({ norm: null, nan: 2, inf: 1 }))!, 'n2')).toBe(Infinity);
    expect(arrivingNorm(parseGradients(sentRecord({ norm: null, nan: 0, inf: 0 }))!, 'n2')).toBeNull();
    expect(arrivingNorm(parseGradients(sentRecord({ norm: 7, nan: 0, inf: 0 }))!, 'n1')).toBe(1);
  });

  it('places what a part brings past the first entries, keeping the rest of the list', () => {
    const merged = withPartGradients(sentRecord({ norm: 7, nan: 0, inf: 0 }), { nodes: {}, parameters: [], leaving: [{ node: 'n1', input: 20, gradient: grad(120) }] });
    const leaving = parseGradients(merged)!.nodes.n1.leaving;
    expect(leaving).toHaveLength(40);
    expect([leaving[15]?.norm, leaving[20]?.norm, leaving[21], leaving[39]?.norm]).toEqual([115, 120, null, 139]);
  });
});
