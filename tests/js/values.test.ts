import { describe, expect, it } from 'vitest';
import { formatScalar, polarGrids, valueGrid } from '../../js_src/core/tensor/values';
import type { TensorValues } from '../../js_src/core/schema';

const texts = (values: TensorValues, dtype: string) =>
  valueGrid(values, dtype).blocks.map(block => block.rows.map(row => row.map(cell => cell.text)));

describe('small tensors read as print shows them', () => {
  it('writes every float in one format with four decimals', () => {
    expect(texts({ of: 'values', shape: [3], data: [0.10000000149011612, -1.5, 2] }, 'float32')).toEqual([[['0.1000', '-1.5000', '2.0000']]]);
  });

  it('switches the whole tensor to scientific when magnitudes span more than 1000×', () => {
    expect(texts({ of: 'values', shape: [2], data: [-0.00000143051, 4.76837e-7] }, 'float32')).toEqual([[['-1.4305e-06', '4.7684e-07']]]);
  });

  it('writes whole floats as torch does, integers whole, big integers and specials as sent', () => {
    expect(texts({ of: 'values', shape: [3], data: [1, 2, 'nan'] }, 'float32')).toEqual([[['1.', '2.', 'nan']]]);
    expect(texts({ of: 'values', shape: [2], data: ['9007199254740993', -1] }, 'int64')).toEqual([[['9007199254740993', '-1']]]);
    expect(texts({ of: 'values', shape: [2], data: [true, false] }, 'bool')).toEqual([[['True', 'False']]]);
  });

  it('lays a matrix out in rows and a 3-D tensor as labelled blocks', () => {
    const grid = valueGrid({ of: 'values', shape: [2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] }, 'int64');
    expect(grid.blocks.map(block => block.label)).toEqual(['[0, :, :]', '[1, :, :]']);
    expect(grid.blocks[1].rows.map(row => row.map(cell => cell.text))).toEqual([['4', '5'], ['6', '7']]);
  });

  it('keeps every digit for the tooltip', () => {
    const cell = valueGrid({ of: 'values', shape: [1], data: [0.10000000149011612] }, 'float32').blocks[0].rows[0][0];
    expect(cell.exact).toBe('0.10000000149011612');
  });

  it('writes a scalar in one line', () => {
    expect(formatScalar({ of: 'values', shape: [], data: [3.141590118408203] }, 'float32')).toBe('3.1416');
  });

  it('shows complex values with both parts, their magnitude and phase, so ±i is not 1', () => {
    const values: TensorValues = { of: 'values', shape: [2], data: [[0, 1], [-0, -1]] };
    expect(texts(values, 'complex64')).toEqual([[['0.+1.j', '-0.-1.j']]]);
    const polar = polarGrids(values)!;
    expect(polar.magnitude.blocks[0].rows[0].map(cell => cell.text)).toEqual(['1.', '1.']);
    expect(polar.phase.blocks[0].rows[0].map(cell => cell.text)).toEqual(['90.', '-90.']);
  });
});
