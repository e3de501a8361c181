import { describe, expect, it } from 'vitest';

import { normOf, sliceExpression } from '../../js_src/core/tensor/slice';
import type { TensorStatistics } from '../../js_src/core/schema';

describe('sliceExpression', () => {
  it.each([
    [{ axes: [0], index: [null] }, 'x'],
    [{ axes: [0, 1], index: [null, null] }, 'x'],
    [{ axes: [1, 2], index: [3, null, null] }, 'x[3]'],
    [{ axes: [0, 2], index: [null, 3, null] }, 'x[:, 3]'],
    [{ axes: [2, 0], index: [null, 3, null] }, 'x[:, 3].T'],
    [{ axes: [1, 3], index: [0, null, 5, null] }, 'x[0, :, 5]']
  ])('writes %j as %s', (preview, code) => {
    expect(sliceExpression('x', preview)).toBe(code);
  });
});

describe('normOf', () => {
  const stats = (values: number[]): TensorStatistics => {
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
    return { of: 'values', count: n, finite: n, min: 0, max: 0, mean, std, nan: 0, posinf: 0, neginf: 0, zeros: 0 };
  };

  it('recovers the 2-norm from count, mean and std', () => {
    expect(normOf(stats([3, 4]))).toBeCloseTo(5, 12);
    expect(normOf(stats([1, -2, 2, 0]))).toBeCloseTo(3, 12);
  });

  it('handles one value and no finite value', () => {
    expect(normOf(stats([-7]))).toBeCloseTo(7, 12);
    expect(normOf({ ...stats([1]), finite: 0, mean: null, std: null })).toBeNull();
  });
});
