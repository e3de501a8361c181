import { describe, expect, it } from 'vitest';

import { formatCount, formatFloat32, formatNumber } from '../../js_src/core/numbers';

describe('formatNumber', () => {
  // Each pair as Python's f"{value:.4g}" writes it (checked with CPython).
  it.each([
    [0.347, '0.347'],
    [-1.5551, '-1.555'],
    [2.005, '2.005'],
    [1e-5, '1e-05'],
    [123456, '1.235e+05'],
    [9999.5, '1e+04'],
    [0.00012345, '0.0001234'],
    [100, '100'],
    [1234, '1234'],
    [1 / 3, '0.3333'],
    [-0, '-0'],
    [5e20, '5e+20'],
    [1e-100, '1e-100']
  ])('writes %d as Python does: %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });

  it('names the values that are not finite as the summary line does', () => {
    expect([NaN, Infinity, -Infinity].map(formatNumber)).toEqual(['NaN', '+Inf', '-Inf']);
  });
});

describe('formatFloat32', () => {
  it('writes the shortest decimal that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(-1.5551))).toBe('-1.5551');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(16777216)).toBe('16777216');
    // Small values read in e-notation, as the four-digit numbers beside them do.
    expect(formatFloat32(Math.fround(0.00000143051))).toBe('1.43051e-06');
    expect(formatFloat32(Math.fround(4.76837e-7))).toBe('4.76837e-07');
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});
