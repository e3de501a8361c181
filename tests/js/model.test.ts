import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

import { childrenOf, deviceText, gradText, isModelSnapshot, moduleCounts, moduleLabel, nonFinite, type ModelSnapshot, type TensorRow } from '../../js_src/core/model/model';
import modelSchema from '../../py_src/torchinspect/schema/model-1.json';
import models from '../fixtures/models.json';
import shardedGraph from '../fixtures/sharded_graph.json';

const made = models as unknown as Record<'mlp' | 'cnn' | 'tied', ModelSnapshot>;

describe('the model snapshot contract', () => {
  const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(modelSchema);

  it.each(Object.entries(made))('Python snapshot "%s" follows the schema and reads as a model', (_, snapshot) => {
    expect(validate(snapshot), JSON.stringify(validate.errors)).toBe(true);
    expect(isModelSnapshot(snapshot)).toBe(true);
  });
});

describe('the model tree', () => {
  it('gives each module its children in order', () => {
    expect(childrenOf(made.cnn.modules)).toEqual([[1, 2, 3, 4, 7, 8], [], [], [], [5, 6], [], [], [], []]);
  });

  it('labels a module by its own name and class, and counts it in words', () => {
    const [root, first] = made.mlp.modules;
    expect(moduleLabel(root, 'model')).toBe('model · Sequential');
    expect(moduleLabel(first, 'model')).toBe('0 · Linear');
    expect(moduleCounts(first)).toBe('24 parameters · 96 B');
    expect(moduleCounts(made.cnn.modules[2])).toBe('8 parameters · 32 B · buffers 40 B');
    expect(moduleCounts(made.cnn.modules[8])).toBe('2 lazy, not initialized');
  });

  it('tells a frozen parameter, a missing grad and a grad norm apart, with NaN in words', () => {
    const [weight] = made.tied.parameters;
    expect(gradText(weight)).toBe('frozen');
    expect(nonFinite(weight)).toBe('1 NaN');
    expect(moduleCounts(made.tied.modules[0])).toBe('40 parameters · 160 B · frozen');
    expect(gradText(made.mlp.parameters[0])).toMatch(/^0\.\d{4}$/);
    expect(gradText(made.cnn.parameters[0])).toBe('none');
  });
});

describe('a parameter of an FSDP2 model', () => {
  it('says where its blocks live instead of a device', () => {
    // The layout of a real Shard(0) DTensor leaf, as a gloo world of 2 recorded it.
    const leaf = shardedGraph.nodes.find(node => node.kind === 'leaf' && node.tensor?.sharding);
    const row = { ...made.mlp.parameters[0], sharding: leaf!.tensor!.sharding as TensorRow['sharding'] };
    expect(validateRow(row)).toBe(true);
    expect(deviceText(row)).toBe('Shard(0) on mesh d0=2 (cpu)');
    expect(deviceText(made.mlp.parameters[0])).toBe('cpu');
  });
});

function validateRow(row: TensorRow): boolean {
  const snapshot = { ...made.mlp, parameters: [row, ...made.mlp.parameters.slice(1)] };
  return new Ajv2020({ strict: true, allowUnionTypes: true }).compile(modelSchema)(snapshot);
}
