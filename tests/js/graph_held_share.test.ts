/**
 * A node's part of what the graph holds for backward, in its details: a small part is said as
 * under 1%, not as 0% beside the bytes it holds (a 2,000-step tanh chain: '16 B, 0% of the graph's').
 */

import { describe, expect, it } from 'vitest';

import { graphMemory } from '../../js_src/core/graph/memory';
import { graphModel } from '../../js_src/core/graph/model';
import { detailFields, useFakeDocument } from './details_fields';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/** tanh(x) then x * 1000 of its own: the tanh saves 16 bytes of the graph's 16,016. */
function heldShares(): Map<string, string> {
  const graph = snapshot(
    [node('t0', 'tensor', null, { tensor: tensorOf([]) }), node('n0', 'op', 'MulBackward0'), node('n1', 'op', 'TanhBackward0')],
    [edge('n0', 't0'), edge('n1', 'n0')]
  );
  const model = graphModel({ ...graph, memory: { held_nbytes: 16_016, held_by_node: { n0: 16_000, n1: 16 } } });
  const memory = graphMemory(model.snapshot, model.modules);
  return new Map(['n0', 'n1'].map(id => [id, detailFields(model, model.boxes.find(box => box.id === id)!, memory).get('held for backward')!]));
}

describe('the part of the graph a node holds for backward', () => {
  useFakeDocument();

  it('is said as under 1% where it rounds to 0%, and in whole percents above', () => {
    const shares = heldShares();
    expect(shares.get('n1')).toBe("16 B, under 1% of the graph's");
    expect(shares.get('n0')).toBe("15.6 KiB, 100% of the graph's");
  });
});
