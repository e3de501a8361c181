/**
 * The gradient norm of each parameter as a horizontal bar chart, largest first, bars coloured
 * like the graph. Each bar is a button: picking it selects that leaf in the graph.
 * Names come from the kernel and are set as text.
 */

import { cssColor } from '../../core/colormap';
import { parameterBars, type NormScale } from '../../core/gradients/flow';
import { formatCount, formatNumber } from '../../core/numbers';
import type { GradientsSnapshot, ParameterGradient } from '../../core/schema';
import { element } from '../dom';

/** More bars than this and the rest are counted, not drawn: the chart is for finding the extremes. */
const MAX_BARS = 200;

export function gradientBars(
  gradients: GradientsSnapshot,
  scale: NormScale,
  labelOf: (parameter: ParameterGradient) => string,
  pick: (node: string) => void
): HTMLElement {
  const chart = element('section', 'torchinspect-flow-bars');
  chart.setAttribute('aria-label', 'gradient norm per parameter, largest first');
  chart.appendChild(element('h4', 'torchinspect-flow-heading', 'gradient norm per parameter'));
  const bars = parameterBars(gradients.parameters, gradients);
  const list = element('ol', 'torchinspect-flow-bar-list');
  for (const { parameter, norm: size, share } of bars.slice(0, MAX_BARS)) {
    const label = labelOf(parameter);
    const norm = size === null ? 'none' : formatNumber(size);
    const row = element('button', 'torchinspect-flow-bar');
    row.type = 'button';
    row.dataset.node = parameter.node;
    row.title = `${label}: gradient norm ${norm}. Click to select it in the graph.`;
    row.setAttribute('aria-label', `${label}: gradient norm ${norm}`);
    const track = element('span', 'torchinspect-flow-bar-track');
    const fill = element('span', 'torchinspect-flow-bar-fill');
    fill.style.width = `${Math.max(share * 100, 1).toFixed(1)}%`;
    fill.style.background = cssColor(scale.colorOf(size) ?? [128, 128, 128, 255]);
    track.appendChild(fill);
    row.append(element('span', 'torchinspect-flow-bar-name', label), track, element('span', 'torchinspect-flow-bar-value', norm));
    const item = element('li', '');
    item.appendChild(row);
    list.appendChild(item);
  }
  chart.appendChild(list);
  if (bars.length > MAX_BARS) chart.appendChild(element('p', 'torchinspect-flow-note', `and ${formatCount(bars.length - MAX_BARS)} smaller`));
  chart.appendChild(element('p', 'torchinspect-flow-note', 'bar length: log scale'));
  list.addEventListener('click', event => {
    const row = (event.target as Element).closest<HTMLButtonElement>('.torchinspect-flow-bar');
    if (row?.dataset.node) pick(row.dataset.node);
  });
  return chart;
}
