import { describe, expect, it } from 'vitest';

import { formatBool, formatBytes, formatShape, formatTuple } from '../../js_src/core/format';
import { cardGroups, type CardField } from '../../js_src/core/tensor/card';
import { pythonSnapshots } from './fixtures';

function fields(snapshotName: string): Record<string, CardField> {
  const all = cardGroups(pythonSnapshots[snapshotName]).flatMap(group => group.fields);
  return Object.fromEntries(all.map(field => [field.label, field]));
}

describe('formatShape', () => {
  it.each([
    [[20], '[20]'],
    [[20, 20], '[20, 20]'],
    [[], '[]'],
    [[2, null, 3], '[2, *, 3]'],
    [[0, 3], '[0, 3]']
  ])('writes %j as %s', (shape, text) => {
    expect(formatShape(shape)).toBe(text);
  });
});

describe('the card', () => {
  it('groups what the tensor is, its memory and its autograd state', () => {
    const groups = cardGroups(pythonSnapshots.leaf_requiring_grad);
    expect(groups.map(group => [group.title, group.fields.map(field => field.label)])).toEqual([
      ['Tensor', ['shape', 'dtype', 'device', 'numel']],
      ['Memory', ['strides', 'is_contiguous', 'bytes', '_version']],
      ['Autograd', ['requires_grad', 'grad_fn', 'is_leaf', 'grad']]
    ]);
  });

  it('shows retains_grad for an intermediate only', () => {
    expect(fields('intermediate').retains_grad.value).toBe('False');
    expect(fields('retained_intermediate').retains_grad.value).toBe('True');
    expect(fields('leaf_requiring_grad').retains_grad).toBeUndefined();
  });

  it('writes strides as the tuple Python prints', () => {
    expect(fields('leaf_requiring_grad').strides.value).toBe('(1,)');
    expect(fields('constant_matrix').strides.value).toBe('(20, 1)');
    expect(formatTuple([])).toBe('()');
  });

  it('says what memory a tensor takes', () => {
    expect(fields('constant_matrix').bytes).toEqual({ label: 'bytes', value: '1.6 KiB', hint: '4 B per element' });
    expect(formatBytes(80)).toBe('80 B');
    expect(formatBytes(400_000_000)).toBe('381.5 MiB');
  });

  it('explains a meta tensor and a ragged nested one', () => {
    expect(fields('meta').device.hint).toBe('shape and dtype only: no values are stored');
    expect(fields('nested_ragged').layout).toEqual({
      label: 'layout',
      value: 'jagged',
      hint: 'a nested tensor: components of different lengths'
    });
  });

  it('shows values as Python prints them', () => {
    const leaf = fields('leaf_requiring_grad');
    expect(leaf.shape.value).toBe('[20]');
    expect(leaf.dtype.value).toBe('float32');
    expect(leaf.requires_grad.value).toBe(formatBool(true));
    expect(leaf.requires_grad.value).toBe('True');
    expect(leaf.grad_fn.value).toBe('None');
    expect(leaf.grad.value).toBe('None');
  });

  it('explains why a leaf has no grad yet', () => {
    expect(fields('leaf_requiring_grad').grad.hint).toBe('filled when backward() runs through this tensor');
  });

  it('shows the grad once backward has run', () => {
    const leaf = fields('leaf_with_grad');
    expect(leaf.grad.value).toBe('tensor[3] float32');
    expect(leaf.grad.hint).toBeUndefined();
  });

  it('explains why an intermediate has no grad and names its operation', () => {
    const intermediate = fields('intermediate');
    expect(intermediate.is_leaf.value).toBe('False');
    expect(intermediate.grad_fn.value).toBe('MulBackward0');
    expect(intermediate.grad.hint).toBe('kept only for leaves, unless you call .retain_grad()');
  });

  it('shows a retained grad of an intermediate', () => {
    expect(fields('retained_intermediate').grad.value).toBe('tensor[2] float32');
  });

  it('gives no autograd hints for a tensor outside autograd', () => {
    const constant = fields('constant_matrix');
    expect([constant.is_leaf.hint, constant.grad.hint, constant.grad_fn.hint]).toEqual([undefined, undefined, undefined]);
  });

  it('calls a 0-dim tensor a scalar', () => {
    expect(fields('scalar_int').shape).toEqual({ label: 'shape', value: '[]', hint: 'a scalar: no dimensions' });
  });

  it('marks the ragged dimension of a nested tensor', () => {
    expect(fields('nested_ragged').shape.value).toBe('[2, *, 3]');
  });
});
