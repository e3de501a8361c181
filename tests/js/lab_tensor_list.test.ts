import { describe, expect, it } from 'vitest';

import { putBuffers, type TensorRow } from '../../js_src/core/protocol';
import { arrangeRows, hasTrouble, shortName, troubleWords } from '../../js_src/lab/tensor_list';

const CLEAN = { nan: 0, posinf: 0, neginf: 0 };

function tensorRow(name: string, fields: Partial<TensorRow> = {}): TensorRow {
  const group = name.includes('.') ? name.split('.')[0] : null;
  return {
    name, group, group_type: group === null ? null : 'Sequential', summary: 'tensor[2] float32 cpu',
    shape: [2], dtype: 'float32', device: 'cpu', numel: 2, requires_grad: false, is_leaf: true,
    grad_fn: null, grad_shape: null, nonfinite: CLEAN, grad_nonfinite: null, not_counted: null, ...fields
  }; // prettier-ignore
}

const names = (sections: ReturnType<typeof arrangeRows>) =>
  sections.map(section => [section.group, section.rows.map(row => row.name)] as const);

describe('the rows the sidebar shows', () => {
  const rows = [
    tensorRow('x', { numel: 20 }),
    tensorRow('model.0.weight', { numel: 60 }),
    tensorRow('model.0.bias', { numel: 3 }),
    tensorRow('A', { numel: 400, summary: 'tensor[20, 20] float32 cpu' }),
    tensorRow('bad', { numel: 4, nonfinite: { nan: 2, posinf: 1, neginf: 0 } }),
    tensorRow('t10', { dtype: 'int64' }),
    tensorRow('t9', { dtype: 'bool' })
  ];

  it('puts variables first, by name (numbers in order), then each module in its own order', () => {
    expect(names(arrangeRows(rows, { filter: '', sort: 'name' }))).toEqual([
      [null, ['A', 'bad', 't9', 't10', 'x']],
      ['model', ['model.0.weight', 'model.0.bias']]
    ]);
  });

  it('sorts by size, by dtype and with NaN/Inf first', () => {
    expect(names(arrangeRows(rows, { filter: '', sort: 'size' }))[0][1]).toEqual(['A', 'x', 'bad', 't9', 't10']);
    expect(names(arrangeRows(rows, { filter: '', sort: 'size' }))[1][1]).toEqual(['model.0.weight', 'model.0.bias']);
    expect(names(arrangeRows(rows, { filter: '', sort: 'type' }))[0][1]).toEqual(['t9', 'A', 'bad', 'x', 't10']);
    expect(names(arrangeRows(rows, { filter: '', sort: 'trouble' }))[0][1][0]).toEqual('bad');
  });

  it('filters on every word, in names, summaries and NaN/Inf counts, ignoring case', () => {
    expect(names(arrangeRows(rows, { filter: '20, 20', sort: 'name' }))).toEqual([[null, ['A']]]);
    expect(names(arrangeRows(rows, { filter: 'NAN', sort: 'name' }))).toEqual([[null, ['bad']]]);
    expect(names(arrangeRows(rows, { filter: 'model bias', sort: 'name' }))).toEqual([['model', ['model.0.bias']]]);
    expect(arrangeRows(rows, { filter: 'nothing like it', sort: 'name' })).toEqual([]);
  });

  it('says NaN and Inf in the summary line’s words, for values and grads', () => {
    expect(troubleWords({ nan: 2, posinf: 1, neginf: 3 })).toBe('NaN×2 +Inf×1 -Inf×3');
    expect(troubleWords(CLEAN)).toBe('');
    expect(troubleWords(null)).toBe('');
    expect(hasTrouble(tensorRow('g', { grad_nonfinite: { nan: 1, posinf: 0, neginf: 0 } }))).toBe(true);
    expect(hasTrouble(tensorRow('g', { nonfinite: null }))).toBe(false);
  });

  it('shows a parameter by its path inside its module', () => {
    expect(shortName(tensorRow('model.0.weight'))).toBe('0.weight');
    expect(shortName(tensorRow('x'))).toBe('x');
  });
});

describe('binary buffers of a kernel message', () => {
  it('go back where the kernel took them out, as DataViews', () => {
    const bytes = new Float32Array([1, 2]).buffer;
    const content: Record<string, unknown> = {
      snapshot: { preview: { data: null }, grad: { preview: { data: null } } },
      buffer_paths: [['snapshot', 'preview', 'data'], ['snapshot', 'grad', 'preview', 'data']]
    };
    putBuffers(content, [bytes, new Uint8Array([7, 8, 9]).subarray(1)]);
    const snapshot = content.snapshot as { preview: { data: DataView }; grad: { preview: { data: DataView } } };
    expect(snapshot.preview.data.getFloat32(4, true)).toBe(2);
    expect(snapshot.grad.preview.data.byteLength).toBe(2);
    expect(snapshot.grad.preview.data.getUint8(0)).toBe(8);
    expect('buffer_paths' in content).toBe(false);
  });

  it('ignore paths that lead nowhere', () => {
    const content: Record<string, unknown> = { a: 1, buffer_paths: [['missing', 'data'], 'not a path', []] };
    putBuffers(content, [new ArrayBuffer(4), new ArrayBuffer(4), new ArrayBuffer(4)]);
    expect(content).toEqual({ a: 1 });
  });
});
