/**
 * The legend of the gradient-flow colours: the log-scale ramp with powers of ten beneath it,
 * then a swatch for each value off the scale that the graph holds (zero, NaN, ±Inf), and one
 * for "no gradient".
 */

import { SPECIAL_COLORS, cssColor, type Rgba } from '../../core/colormap';
import { ZERO_COLOR, type NormScale } from '../../core/gradients/flow';
import { element } from '../dom';

const TITLE = 'gradient norm (log scale)';

export function flowLegend(scale: NormScale): HTMLElement {
  const legend = element('figure', 'torchinspect-flow-legend');
  legend.setAttribute('aria-label', TITLE);
  legend.appendChild(element('figcaption', 'torchinspect-flow-legend-title', TITLE));
  if (scale.ticks.length > 0) {
    const ramp = element('div', 'torchinspect-flow-legend-ramp');
    const stops = scale.stops.map(stop => `${cssColor(stop.color)} ${(stop.offset * 100).toFixed(1)}%`);
    ramp.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
    const ticks = element('div', 'torchinspect-flow-legend-ticks');
    for (const tick of scale.ticks) {
      const label = element('span', 'torchinspect-flow-legend-tick', tick.label);
      label.style.left = `${(tick.offset * 100).toFixed(1)}%`;
      ticks.appendChild(label);
    }
    const bar = element('div', 'torchinspect-flow-legend-scale');
    bar.append(ramp, ticks);
    legend.appendChild(bar);
  }
  const swatches: [boolean, Rgba | null, string][] = [
    [scale.present.zero, ZERO_COLOR, '0'],
    [scale.present.nan, SPECIAL_COLORS.nan, 'NaN'],
    [scale.present.posinf, SPECIAL_COLORS.posinf, '+Inf'],
    [scale.present.neginf, SPECIAL_COLORS.neginf, '-Inf'],
    [true, null, 'no gradient']
  ];
  for (const [present, color, label] of swatches) if (present) legend.appendChild(swatch(color, label));
  return legend;
}

function swatch(color: Rgba | null, label: string): HTMLElement {
  const item = element('span', 'torchinspect-flow-legend-special');
  const mark = element('span', 'torchinspect-flow-legend-swatch');
  if (color === null) mark.classList.add('is-none');
  else mark.style.background = cssColor(color);
  item.append(mark, label);
  return item;
}
