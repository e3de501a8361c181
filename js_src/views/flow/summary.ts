/**
 * One recorded gradient as it reads in the details panel and the step panel: its shape, norm,
 * range and mean magnitude, its NaN and Inf counts when there are any, and its values when
 * the tensor is small enough to have sent them. Every string is set as text.
 */

import { formatShape } from '../../core/format';
import { formatCount, formatFloat32, formatNumber } from '../../core/numbers';
import type { GradientSummary } from '../../core/schema';
import { element } from '../dom';

/** The summary as a field list, then the values; `none` says why there is no gradient. */
export function gradientSummary(grad: GradientSummary | null, none = 'no gradient'): HTMLElement[] {
  if (grad === null) return [element('p', 'torchinspect-flow-none', none)];
  const fields = element('dl', 'torchinspect-flow-fields');
  const add = (label: string, value: string): HTMLElement => {
    const dd = element('dd', 'torchinspect-flow-value', value);
    fields.append(element('dt', 'torchinspect-flow-label', label), dd);
    return dd;
  };
  add('shape', `${formatShape(grad.shape)} ${grad.dtype}`);
  const special = ([[grad.nan, 'NaN'], [grad.posinf, '+Inf'], [grad.neginf, '-Inf']] as const).filter(([count]) => count > 0);
  const ofFinite = special.length > 0 ? ' of the finite values' : '';
  add(`norm${ofFinite}`, grad.norm === null ? 'none: no finite value' : formatNumber(grad.norm));
  if (grad.min !== null && grad.max !== null) add('range', `${formatNumber(grad.min)} … ${formatNumber(grad.max)}`);
  if (grad.rms !== null) add('rms', formatNumber(grad.rms));
  if (special.length > 0) {
    add('not finite', special.map(([count, label]) => `${formatCount(count)} ${label}`).join(', ')).classList.add('is-trouble');
  }
  if (grad.values === null) return [fields];
  const magnitudes = grad.of === 'magnitude' ? [element('p', 'torchinspect-flow-note', 'values: the magnitudes of complex numbers')] : [];
  return [fields, ...magnitudes, valuesGrid(grad.values)];
}

/** The values in reading order, four significant digits each, the exact float32 on hover. */
export function valuesGrid(values: number[]): HTMLElement {
  const grid = element('ol', 'torchinspect-flow-values');
  grid.setAttribute('aria-label', `${values.length} values`);
  for (const value of values) {
    const cell = element('li', 'torchinspect-flow-number', formatNumber(value));
    cell.title = formatFloat32(value);
    if (!Number.isFinite(value)) cell.classList.add('is-trouble');
    grid.appendChild(cell);
  }
  return grid;
}
