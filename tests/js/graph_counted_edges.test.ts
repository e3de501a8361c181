import { describe, expect, it } from 'vitest';

import { layoutGraph } from '../../js_src/core/graph/layout';
import { graphModel, searchBoxes } from '../../js_src/core/graph/model';
import { parseGraphSnapshot } from '../../js_src/core/schema';
import { detailFields, useFakeDocument } from './details_fields';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/**
 * `torch.stack([x] * 10_000).sum()` as the kernel sends it (tests/python/test_pair_edges.py
 * checks that side against torch): x's 10,000 edges into the stack are one edge with `count`.
 */
const stacked = snapshot(
  [
    node('t0', 'tensor', null, { tensor: tensorOf([]) }),
    node('n0', 'op', 'SumBackward0'),
    node('n1', 'op', 'StackBackward0'),
    node('n2', 'leaf', 'AccumulateGrad', { name: 'x', tensor: tensorOf([3]) })
  ],
  [edge('n0', 't0'), edge('n1', 'n0'), { ...edge('n2', 'n1'), count: 10_000 }]
);

describe('a counted edge', () => {
  useFakeDocument();

  it('is accepted as the kernel sends it', () => {
    expect(parseGraphSnapshot(JSON.parse(JSON.stringify(stacked))).edges[2].count).toBe(10_000);
  });

  it('is drawn once, labelled with how many edges it stands for', () => {
    const model = graphModel(stacked);
    const links = model.links.filter(link => link.source === 'n2');
    expect(links).toEqual([{ source: 'n2', target: 'n1', label: '[3] ×10,000' }]);
    expect(layoutGraph(model, 'down').links.filter(placed => placed.link.source === 'n2')).toHaveLength(1);
  });

  it('says in the details how many inputs the node takes from the other end', () => {
    const model = graphModel(stacked);
    const fields = detailFields(model, model.boxes.find(box => box.id === 'n1')!);
    expect(fields.get('n2')).toBe('x ([3]) · as 10,000 of its inputs');
    expect(searchBoxes(model, 'x')).toContain('n2');
  });
});
