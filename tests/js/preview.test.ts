import { describe, expect, it } from 'vitest';

import {
  cellAt,
  cellIndexText,
  downsampleCaption,
  previewGrid,
  previewValues,
  sliceCaption
} from '../../js_src/core/tensor/preview';
import type { TensorPreview } from '../../js_src/core/schema';
import { pythonSnapshots } from './fixtures';

function littleEndianBytes(values: number[], offset = 0): Uint8Array {
  const bytes = new Uint8Array(offset + values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(offset + i * 4, value, true));
  return bytes;
}

function preview(overrides: Partial<TensorPreview>): TensorPreview {
  return { of: 'values', axes: [0], index: [null], shape: [3], block: [1], dtype: 'float32',
    data: { base64: '' }, ...overrides };
}

describe('previewValues', () => {
  it('decodes the base64 of a Python snapshot', () => {
    // leaf_with_grad holds torch.tensor([0., 1., 2.]).
    expect(Array.from(previewValues(pythonSnapshots.leaf_with_grad.preview!))).toEqual([0, 1, 2]);
  });

  it('reads every cell of a 2-D Python snapshot, row-major', () => {
    const values = previewValues(pythonSnapshots.constant_matrix.preview!);
    expect(values.length).toBe(400);
  });

  it('reads a DataView over the same bytes when they are aligned', () => {
    const bytes = littleEndianBytes([1.5, -2, Infinity]);
    const values = previewValues(preview({ data: new DataView(bytes.buffer) }));
    expect(Array.from(values)).toEqual([1.5, -2, Infinity]);
    expect(values.buffer).toBe(bytes.buffer);
  });

  it('copies a DataView that starts off a 4-byte boundary', () => {
    const bytes = littleEndianBytes([0.25, NaN, -Infinity], 1);
    const values = previewValues(preview({ data: new DataView(bytes.buffer, 1) }));
    expect(Array.from(values)).toEqual([0.25, NaN, -Infinity]);
    expect(values.buffer).not.toBe(bytes.buffer);
  });

  it('refuses bytes that do not fill the shape, saying what it needed', () => {
    const bytes = littleEndianBytes([1, 2]);
    expect(() => previewValues(preview({ shape: [2, 3], data: new DataView(bytes.buffer) }))).toThrow(
      'torchinspect: a preview of shape [2, 3] needs 24 bytes (6 float32 values), got 8.'
    );
  });

  it('refuses data that is neither a DataView nor base64', () => {
    const neither = preview({ data: {} as { base64: string } });
    expect(() => previewValues(neither)).toThrow('a DataView or {"base64": "…"}');
  });
});

describe('the grid drawn', () => {
  it('draws a 2-D preview as it is', () => {
    expect(previewGrid(preview({ shape: [20, 30] }))).toEqual({ rows: 20, columns: 30 });
  });

  it('wraps a long 1-D preview into rows of 64 cells', () => {
    const strip = preview({ shape: [130] });
    expect(previewGrid(strip)).toEqual({ rows: 3, columns: 64 });
    expect(cellAt(strip, 2, 1)).toBe(129);
    expect(cellAt(strip, 2, 2)).toBeNull();
  });

  it('keeps a short 1-D preview on one row', () => {
    expect(previewGrid(preview({ shape: [20] }))).toEqual({ rows: 1, columns: 20 });
  });
});

describe('what a cell stands for', () => {
  it('names the element of a 1-D tensor', () => {
    expect(cellIndexText(preview({ shape: [20] }), 7)).toBe('[7]');
  });

  it('names a downsampled 1-D block as a slice', () => {
    expect(cellIndexText(preview({ shape: [4096], block: [3] }), 2)).toBe('[6:9]');
  });

  it('places rows and columns on the shown axes and keeps the index of the others', () => {
    const slice = preview({ axes: [1, 2], index: [4, null, null], shape: [100, 125], block: [3, 4] });
    expect(cellIndexText(slice, 125 * 2 + 5)).toBe('[4, 6:9, 20:24]');
    expect(sliceCaption(slice)).toBe('slice [4, :, :]');
    expect(downsampleCaption(slice)).toBe('downsampled: each cell is the mean of 3 × 4 elements');
  });

  it('follows axes shown in reverse order', () => {
    const transposed = preview({ axes: [1, 0], index: [null, null], shape: [3, 2], block: [1, 1] });
    expect(cellIndexText(transposed, 1)).toBe('[1, 0]');
  });

  it('has no captions for the exact values of a whole 2-D tensor', () => {
    const whole = pythonSnapshots.constant_matrix.preview!;
    expect([sliceCaption(whole), downsampleCaption(whole)]).toEqual([null, null]);
  });
});
