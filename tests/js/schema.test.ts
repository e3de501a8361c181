import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

import { GRADIENTS_SCHEMA, parseTensorSnapshot, TENSOR_SCHEMA } from '../../js_src/core/schema';
import { gradientsSchema, pythonLessonGradients, pythonSnapshots, tensorSchema } from './fixtures';

describe('the tensor snapshot contract', () => {
  const validate = new Ajv2020({ strict: true }).compile(tensorSchema);

  it.each(Object.entries(pythonSnapshots))('Python snapshot "%s" follows the schema', (_, snapshot) => {
    expect(validate(snapshot), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names the schema the TypeScript side reads', () => {
    expect(tensorSchema.properties.schema.const).toBe(TENSOR_SCHEMA);
  });

  it.each(Object.entries(pythonSnapshots))('parseTensorSnapshot accepts "%s"', (_, snapshot) => {
    expect(parseTensorSnapshot(snapshot)).toBe(snapshot);
  });
});

describe('parseTensorSnapshot refuses what it cannot read', () => {
  it('says which schema it reads when another version arrives', () => {
    expect(() => parseTensorSnapshot({ schema: 'torchinspect.tensor/2' })).toThrow(
      'this view reads "torchinspect.tensor/1" snapshots, got "torchinspect.tensor/2". ' +
        'Install the torchinspect version that made it, or upgrade torchinspect.'
    );
  });

  it.each([
    [null, 'got null'],
    [undefined, 'got nothing'],
    [42, 'got number'],
    [{}, 'got nothing']
  ])('rejects %j', (data, message) => {
    expect(() => parseTensorSnapshot(data)).toThrow(message);
  });
});

describe('the gradients contract', () => {
  const validate = new Ajv2020({ strict: true }).compile(gradientsSchema);

  it("Python's gradients of the lesson after backward follow the schema", () => {
    expect(validate(pythonLessonGradients.gradients), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names the schema the TypeScript side reads', () => {
    expect(gradientsSchema.properties.schema.const).toBe(GRADIENTS_SCHEMA);
  });

  it('refuses a gradient whose norm is not a finite number', () => {
    const gradients = structuredClone(pythonLessonGradients.gradients) as {
      nodes: Record<string, { arriving: { norm: unknown }[] }>;
    };
    gradients.nodes.n0.arriving[0].norm = 'nan';
    expect(validate(gradients)).toBe(false);
  });
});
