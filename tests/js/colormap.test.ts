import { describe, expect, it } from 'vitest';

import {
  SPECIAL_COLORS,
  cssColor,
  divergingScale,
  scaleFor,
  sequentialScale,
  sharedScale,
  type Rgba
} from '../../js_src/core/colormap';

const distance = (a: Rgba, b: Rgba): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

describe('choosing the scale', () => {
  it('centres signed values on zero, symmetric about the largest magnitude', () => {
    const scale = scaleFor([-0.5, 2, 1, NaN, -Infinity]);
    expect([scale.kind, scale.lo, scale.centre, scale.hi]).toEqual(['diverging', -2, 0, 2]);
  });

  it('gives non-negative values a sequential scale over their range', () => {
    const scale = scaleFor([1, 3, 2, Infinity]);
    expect([scale.kind, scale.lo, scale.centre, scale.hi]).toEqual(['sequential', 1, 2, 3]);
  });

  it('reads all zeros, and no finite value at all, as neutral', () => {
    for (const values of [[0, 0], [NaN, Infinity]]) {
      const scale = scaleFor(values);
      expect([scale.kind, scale.lo, scale.hi]).toEqual(['diverging', 0, 0]);
      expect(Object.is(scale.lo, -0)).toBe(false);
      expect(scale.colorOf(0)).toEqual(divergingScale(1).colorOf(0));
    }
  });

  it('shares one scale between two sets of values', () => {
    const scale = sharedScale([0, 1], [-3, 0.5]);
    expect([scale.kind, scale.lo, scale.hi]).toEqual(['diverging', -3, 3]);
  });
});

describe('the diverging scale', () => {
  const scale = divergingScale(2);

  it('is near white at zero and symmetric in lightness about it', () => {
    expect(scale.colorOf(0)).toEqual([247, 247, 247, 255]);
    const lightness = ([r, g, b]: Rgba): number => r + g + b;
    expect(Math.abs(lightness(scale.colorOf(1.3)) - lightness(scale.colorOf(-1.3)))).toBeLessThan(40);
  });

  it('is blue below zero and red above', () => {
    const [below, above] = [scale.colorOf(-1.5), scale.colorOf(1.5)];
    expect(below[2]).toBeGreaterThan(below[0]);
    expect(above[0]).toBeGreaterThan(above[2]);
  });

  it('clamps values beyond the limit to its ends', () => {
    expect(scale.colorOf(10)).toEqual(scale.colorOf(2));
    expect(scale.colorOf(-10)).toEqual(scale.stops[0].color);
  });
});

describe('the sequential scale', () => {
  it('runs from dark to light, as viridis does', () => {
    const scale = sequentialScale(0, 1);
    const lightness = ([r, g, b]: Rgba): number => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const samples = [0, 0.25, 0.5, 0.75, 1].map(value => lightness(scale.colorOf(value)));
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
  });

  it('paints a constant with the middle colour', () => {
    expect(sequentialScale(4, 4).colorOf(4)).toEqual(sequentialScale(0, 1).colorOf(0.5));
  });
});

describe('NaN and infinities', () => {
  const scales = [divergingScale(1), sequentialScale(0, 1)];

  it('have colours of their own on every scale', () => {
    for (const scale of scales) {
      expect(scale.colorOf(NaN)).toBe(SPECIAL_COLORS.nan);
      expect(scale.colorOf(Infinity)).toBe(SPECIAL_COLORS.posinf);
      expect(scale.colorOf(-Infinity)).toBe(SPECIAL_COLORS.neginf);
    }
  });

  it('lie far from every colour either scale draws', () => {
    const drawn = scales.flatMap(scale =>
      Array.from({ length: 101 }, (_, i) => scale.colorOf(scale.lo + ((scale.hi - scale.lo) * i) / 100))
    );
    for (const special of Object.values(SPECIAL_COLORS)) {
      expect(Math.min(...drawn.map(color => distance(color, special)))).toBeGreaterThan(90);
    }
  });
});

describe('legend stops', () => {
  it('run from 0 to 1 through the colours drawn at lo, the centre and hi', () => {
    const scale = divergingScale(3);
    expect(scale.stops[0]).toEqual({ offset: 0, color: scale.colorOf(-3) });
    expect(scale.stops[scale.stops.length - 1]).toEqual({ offset: 1, color: scale.colorOf(3) });
    expect(scale.stops.find(stop => stop.offset === 0.5)?.color).toEqual(scale.colorOf(0));
  });

  it('write as CSS colours', () => {
    expect(cssColor([255, 0, 255, 255])).toBe('rgb(255 0 255 / 1)');
  });
});
