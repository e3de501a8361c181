/**
 * The edge each input of a node came by where several counted edges feed it
 * (core/graph/counted_inputs.ts), as the kernel sends `torch.stack([x] * 10 + [y] * 30 + [z] * 30)`
 * (graph/counted_edges.py): x's 10 edges listed, y's and z's 30 each as one edge with `count`.
 */

import { describe, expect, it } from 'vitest';
import { inputEdges } from '../../js_src/core/graph/counted_inputs';
import type { GraphEdge } from '../../js_src/core/schema';
import { edge } from './graph_shapes';

const x = Array.from({ length: 10 }, (_, input) => edge('x', 'stack', input));
const y: GraphEdge = { ...edge('y', 'stack', 10), count: 30 };
const z: GraphEdge = { ...edge('z', 'stack', 40), count: 30 };

describe('the edge an input came by', () => {
  const edgesOf = inputEdges([...x, y, z]);

  it('is its own edge where the page has it', () => {
    expect(edgesOf(3, true)).toEqual([x[3]]);
    expect(edgesOf(10, true)).toEqual([y]);
  });

  it('is the one counted edge that begins before it, of the inputs the page has no edge for', () => {
    expect(edgesOf(12, true)).toEqual([y]);
  });

  it('is none for an input that carried no gradient: it has no edge', () => {
    expect(edgesOf(12, false)).toEqual([]);
  });

  it('is each counted edge that begins before it where two do, as the kernel sent nothing to tell them apart', () => {
    // torch.stack([y, z] * 30): y's inputs are the even ones, z's the odd ones
    const interleaved = inputEdges([{ ...edge('y', 'stack', 0), count: 30 }, { ...edge('z', 'stack', 1), count: 30 }]);
    expect(interleaved(4, true).map(edge => edge.source)).toEqual(['y', 'z']);
  });
});
