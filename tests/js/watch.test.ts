import { describe, expect, it } from 'vitest';

import { float32s, intensity, linePoints, moduleName, rowOf, toNumber } from '../../js_src/core/watch/watch';

describe('the watch payload read back', () => {
  it('reads little-endian float32 bytes from an unaligned DataView', () => {
    const bytes = new Uint8Array(1 + 8);
    const view = new DataView(bytes.buffer, 1, 8);
    view.setFloat32(0, 1.5, true);
    view.setFloat32(4, NaN, true);
    const values = float32s(view);
    expect(values[0]).toBe(1.5);
    expect(Number.isNaN(values[1])).toBe(true);
    expect(Array.from(rowOf(new Float32Array([1, 2, 3, 4]), 2, 1))).toEqual([3, 4]);
  });

  it('reads the words for non-finite numbers and names modules by path and class', () => {
    expect([toNumber('inf'), toNumber('-inf'), toNumber(2)]).toEqual([Infinity, -Infinity, 2]);
    const module = { name: '0', class: 'Linear', mean: 0, std: 0, zeros: 0, dead: 0, nan: 0, inf: 0, nonfinite: 0 };
    expect(moduleName(module)).toBe('0 · Linear');
    expect(moduleName({ ...module, name: '' })).toBe('Linear');
  });
});

describe('a line over steps', () => {
  it('leaves a gap at NaN and spans the box', () => {
    const segments = linePoints([1, 2, NaN, 4], 30, 10);
    expect(segments.map(s => s.map(p => p.x))).toEqual([[0, 10], [30]]);
    expect(segments[0][0].y).toBe(10);
    expect(segments[1][0].y).toBe(0);
  });

  it('uses a log scale when positive values span more than a decade', () => {
    const [segment] = linePoints([1, 10, 100], 20, 10);
    expect(segment.map(p => p.y)).toEqual([10, 5, 0]);
  });

  it('makes empty heatmap bins transparent and sparse ones visible', () => {
    expect(intensity(0)).toBe(0);
    expect(intensity(3)).toBeGreaterThan(0.1);
  });
});
