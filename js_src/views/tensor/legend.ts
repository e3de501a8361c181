/**
 * The heatmap's legend: its colour scale with the values at both ends and the centre,
 * then a swatch for each of -Inf, +Inf and NaN that the cells hold (the histogram's order).
 */

import { SPECIAL_COLORS, cssColor, type ColorScale } from '../../core/colormap';
import type { SpecialKind } from '../../core/tensor/histogram';
import { formatNumber } from '../../core/numbers';
import { element } from '../dom';

const SPECIALS: [SpecialKind, string, (value: number) => boolean][] = [
  ['neginf', '-Inf', value => value === -Infinity],
  ['posinf', '+Inf', value => value === Infinity],
  ['nan', 'NaN', Number.isNaN]
];

export function drawLegend(scale: ColorScale, values: Float32Array): HTMLElement[] {
  const bar = element('div', 'torchinspect-legend-scale');
  bar.dataset.kind = scale.kind;
  const stops = scale.stops.map(stop => `${cssColor(stop.color)} ${(stop.offset * 100).toFixed(1)}%`);
  const ramp = element('div', 'torchinspect-legend-ramp');
  ramp.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  const ticks = element('div', 'torchinspect-legend-ticks');
  ticks.append(...scaleLabels(scale).map(text => element('span', 'torchinspect-legend-tick', text)));
  bar.append(ramp, ticks);
  const present = SPECIALS.filter(([, , holds]) => values.some(holds));
  const swatches = present.map(([kind, label]) => swatch(kind, label));
  return [bar, ...swatches];
}

/** lo, centre and hi; a single label when every finite value is the same. */
function scaleLabels(scale: ColorScale): string[] {
  if (scale.lo === scale.hi) return [formatNumber(scale.centre)];
  return [scale.lo, scale.centre, scale.hi].map(formatNumber);
}

function swatch(kind: SpecialKind, label: string): HTMLElement {
  const item = element('span', 'torchinspect-legend-special');
  item.dataset.special = kind;
  const color = element('span', 'torchinspect-legend-swatch');
  color.style.background = cssColor(SPECIAL_COLORS[kind]);
  item.append(color, label);
  return item;
}
