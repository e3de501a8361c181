/**
 * A small tensor's own numbers, laid out as `print` lays them out, every digit the snapshot
 * holds on hover; a complex tensor's magnitude and phase beside its values.
 */

import type { TensorValues } from '../../core/schema';
import { polarGrids, valueGrid, type ValueGrid } from '../../core/tensor/values';
import { element } from '../dom';
import type { View } from '../view';

export interface ValuesData {
  values: TensorValues;
  dtype: string;
}

export function mountValues(el: HTMLElement, data: ValuesData): View<ValuesData> {
  const root = element('div', 'torchinspect-plot torchinspect-values');
  const view: View<ValuesData> = {
    update: next => root.replaceChildren(...render(next)),
    destroy: () => root.remove()
  };
  view.update(data);
  el.appendChild(root);
  return view;
}

function render({ values, dtype }: ValuesData): HTMLElement[] {
  const polar = polarGrids(values);
  // The panel's heading already says "values"; a caption only tells the complex parts apart.
  const title = values.of === 'values' ? 'values' : values.of;
  const parts = [grid(title, valueGrid(values, dtype), polar !== null || values.of !== 'values')];
  if (polar !== null) parts.push(grid('magnitude |z|', polar.magnitude, true), grid('phase (degrees)', polar.phase, true));
  return parts;
}

function grid(title: string, values: ValueGrid, captioned: boolean): HTMLElement {
  const figure = element('figure', 'torchinspect-values-grid');
  figure.dataset.part = title;
  if (captioned) figure.appendChild(element('figcaption', 'torchinspect-plot-title', title));
  for (const block of values.blocks) {
    if (block.label !== null) figure.appendChild(element('div', 'torchinspect-values-label', block.label));
    const table = element('table', 'torchinspect-values-table');
    for (const row of block.rows) {
      const line = element('tr', '');
      for (const cell of row) {
        const td = element('td', '', cell.text);
        td.title = cell.exact;
        line.appendChild(td);
      }
      table.appendChild(line);
    }
    figure.appendChild(table);
  }
  return figure;
}
