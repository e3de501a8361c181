import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

import { graphModel } from '../../js_src/core/graph/model';
import type { GraphSnapshot } from '../../js_src/core/schema';
import { graphShardingText } from '../../js_src/core/tensor/sharding';
import graphSchema from '../../py_src/torchinspect/schema/graph-1.json';
import shardedGraph from '../fixtures/sharded_graph.json';
import { detailFields, useFakeDocument } from './details_fields';

/** tanh(weight @ inputs) of DTensors on 2 gloo ranks, as rank 0 walked it (tests/python/test_distributed.py). */
const graph = shardedGraph as unknown as GraphSnapshot;

/** The details panel of a node as label → text. */
function fieldsOf(nodeId: string, snapshot: GraphSnapshot = graph): Map<string, string> {
  const model = graphModel(snapshot);
  return detailFields(model, model.boxes.find(candidate => candidate.node?.id === nodeId)!);
}

describe("a DTensor's placements in the graph view", () => {
  useFakeDocument();

  it('the graph made by real ranks follows the schema', () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(graphSchema);
    expect(validate(graph), JSON.stringify(validate.errors)).toBe(true);
  });

  it('says a layout in words, one placement bare and several as a list', () => {
    const mesh = { shape: [2, 4], dim_names: ['dp', 'tp'], device_type: 'cuda' };
    expect(graphShardingText({ mesh, placements: [{ kind: 'replicate' }, { kind: 'shard', dim: 1 }], local_shape: [8, 2] })).toBe(
      '[Replicate(), Shard(1)] on mesh dp=2 × tp=4 (cuda)'
    );
    expect(graphShardingText({ mesh: { ...mesh, shape: [3], dim_names: null }, placements: [{ kind: 'partial', reduce_op: 'sum' }], local_shape: [] })).toBe(
      'Partial(sum) on mesh d0=3 (cuda)'
    );
  });

  it("shows a leaf's placements and this rank's block beside its global shape", () => {
    const leaf = graph.nodes.find(node => node.kind === 'leaf')!;
    const fields = fieldsOf(leaf.id);
    expect(fields.get('global shape')).toBe('[6, 4]');
    expect(fields.get('placements')).toBe('Shard(0) on mesh d0=2 (cpu)');
    expect(fields.get("this rank's block")).toBe('[3, 4]');
  });

  it('shows the placements of what an op saved', () => {
    const mm = graph.nodes.find(node => node.op === 'MmBackward0')!;
    expect(fieldsOf(mm.id).get('mat2')).toBe('[4, 3] float32 · 48 B · Replicate() on mesh d0=2 (cpu), this rank [4, 3]');
    const tanh = graph.nodes.find(node => node.op === 'TanhBackward0')!;
    expect(fieldsOf(tanh.id).get('result')).toBe('[6, 3] float32 · 72 B · Shard(0) on mesh d0=2 (cpu), this rank [3, 3]');
  });

  it('says nothing of placements for a plain tensor', () => {
    const plain = JSON.parse(JSON.stringify(graph)) as GraphSnapshot;
    const root = plain.nodes.find(node => node.kind === 'tensor')!;
    delete root.tensor!.sharding;
    const fields = fieldsOf(root.id, plain);
    expect(fields.get('shape')).toBe('[6, 3]');
    expect(fields.has('placements')).toBe(false);
    expect(fieldsOf(root.id).get('placements')).toBe('Shard(0) on mesh d0=2 (cpu)');
  });
});
