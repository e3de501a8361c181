import { describe, expect, it } from 'vitest';

import {
  axisLabels,
  barHeights,
  barReadOut,
  binBars,
  samplingNote,
  specialBars
} from '../../js_src/core/tensor/histogram';
import type { TensorHistogram, TensorStatistics } from '../../js_src/core/schema';
import { pythonSnapshots } from './fixtures';

function histogram(overrides: Partial<TensorHistogram>): TensorHistogram {
  return { of: 'values', lo: 0, hi: 1, counts: [1, 2, 3, 4], sample_every: 1, ...overrides };
}

const statistics = pythonSnapshots.leaf_with_grad.statistics as TensorStatistics;

describe('bins', () => {
  it('read as half-open ranges, the last closed as torch.histc counts it', () => {
    const labels = binBars(histogram({})).map(bar => bar.label);
    expect(labels).toEqual(['[0, 0.25)', '[0.25, 0.5)', '[0.5, 0.75)', '[0.75, 1]']);
  });

  it('of an integer tensor read as the integer each one counts', () => {
    // Python bins a bool tensor from -0.5 to 1.5, one bin per value.
    const bools = histogram({ lo: -0.5, hi: 1.5, counts: [1, 2] });
    expect(binBars(bools).map(bar => bar.label)).toEqual(['0', '1']);
    expect(axisLabels(bools).map(label => [label.text, label.at, label.align])).toEqual([
      ['0', 0.25, 'center'],
      ['1', 0.75, 'center']
    ]);
  });

  it('of one repeated value read as that value', () => {
    const constant = histogram({ lo: 2, hi: 2, counts: [5] });
    expect(binBars(constant)).toEqual([{ label: '2', count: 5 }]);
    expect(axisLabels(constant)).toEqual([{ text: '2', at: 0.5, align: 'center' }]);
  });

  it('are labelled lo and hi at the ends, with four significant digits', () => {
    const labels = axisLabels(histogram({ lo: -1.55512, hi: 2.00498 }));
    expect(labels).toEqual([
      { text: '-1.555', at: 0, align: 'start' },
      { text: '2.005', at: 1, align: 'end' }
    ]);
  });
});

describe('NaN and infinities', () => {
  it('get bars only where the statistics count them, -Inf first', () => {
    const counted = { ...statistics, nan: 3, posinf: 0, neginf: 1 };
    expect(specialBars(counted)).toEqual([
      { label: '-Inf', count: 1, special: 'neginf' },
      { label: 'NaN', count: 3, special: 'nan' }
    ]);
    expect(specialBars(statistics)).toEqual([]);
    expect(specialBars(null)).toEqual([]);
  });
});

describe('bar heights', () => {
  const bars = binBars(histogram({ counts: [0, 1, 9, 99] }));

  it('scale the tallest bar to 1', () => {
    expect(barHeights(bars, 1, false)).toEqual([0, 1 / 99, 9 / 99, 1]);
  });

  it('on a log scale lift small counts', () => {
    const log = barHeights(bars, 1, true);
    expect(log[0]).toBe(0);
    expect(log[3]).toBe(1);
    expect(log[1]).toBeCloseTo(Math.log(2) / Math.log(100));
  });

  it('compare a sampled bin with exact NaN counts by scaling it by the step', () => {
    const nan = { label: 'NaN', count: 70, special: 'nan' as const };
    const withNaN = [...binBars(histogram({ counts: [10] })), nan];
    expect(barHeights(withNaN, 7, false)).toEqual([1, 1]);
  });
});

describe('read-outs and notes', () => {
  it('give the range and how many values it holds', () => {
    const [first] = binBars(histogram({}));
    expect(barReadOut(first, 1)).toBe('[0, 0.25): 1 value');
    expect(barReadOut({ label: 'NaN', count: 1200, special: 'nan' }, 7)).toBe('NaN: 1,200 values');
  });

  it('say when a bin counts a sample', () => {
    const sampled = histogram({ sample_every: 7 });
    expect(samplingNote(sampled)).toBe('counted 1 in 7 values');
    expect(barReadOut(binBars(sampled)[3], 7)).toBe('[0.75, 1]: 4 counted');
    expect(samplingNote(histogram({}))).toBeNull();
  });
});
