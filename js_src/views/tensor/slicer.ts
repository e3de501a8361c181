/**
 * Which slice of an N-D tensor the heatmaps show: the two axes drawn, and an index for each
 * other axis. Changes are reported to the caller, which asks the kernel for the new slice.
 */

import { pythonIndex } from '../../core/tensor/slice';
import { element } from '../dom';
import type { View } from '../view';

export interface SliceChoice {
  axes: [number, number];
  index: (number | null)[];
}

export interface SlicerData extends SliceChoice {
  shape: number[];
}

export function mountSlicer(
  el: HTMLElement,
  data: SlicerData,
  onChange: (choice: SliceChoice) => void
): View<SlicerData> {
  const root = element('fieldset', 'torchinspect-slicer');
  el.appendChild(root);
  let current = data;

  const emit = (choice: SliceChoice): void => {
    current = { ...current, ...choice };
    render();
    onChange(choice);
  };

  const render = (): void => {
    const legend = element('legend', 'torchinspect-group-title', 'Slice');
    const axisPickers = [0, 1].map(which => axisPicker(current, which as 0 | 1, emit));
    const indexInputs = current.shape.flatMap((size, axis) =>
      current.axes.includes(axis) ? [] : [indexInput(current, axis, size, emit)]
    );
    root.replaceChildren(legend, ...axisPickers, ...indexInputs);
  };
  render();
  return {
    update(next) {
      current = next;
      render();
    },
    destroy: () => root.remove()
  };
}

function axisPicker(data: SlicerData, which: 0 | 1, emit: (choice: SliceChoice) => void): HTMLElement {
  const label = element('label', 'torchinspect-slicer-field', which === 0 ? 'rows ' : 'columns ');
  const select = element('select', '');
  select.setAttribute('aria-label', which === 0 ? 'axis shown as rows' : 'axis shown as columns');
  data.shape.forEach((size, axis) => {
    const option = element('option', '', `axis ${axis} (${size})`);
    option.value = String(axis);
    option.disabled = axis === data.axes[1 - which];
    select.appendChild(option);
  });
  select.value = String(data.axes[which]);
  select.addEventListener('change', () => {
    const axes: [number, number] = [...data.axes];
    axes[which] = Number(select.value);
    emit({ axes, index: indexFor(data, axes) });
  });
  label.appendChild(select);
  return label;
}

function indexInput(data: SlicerData, axis: number, size: number, emit: (choice: SliceChoice) => void): HTMLElement {
  const label = element('label', 'torchinspect-slicer-field', `axis ${axis} `);
  const input = element('input', '');
  Object.assign(input, { type: 'number', min: String(-size), max: String(size - 1), step: '1' });
  input.value = String(data.index[axis] ?? 0);
  input.setAttribute('aria-label', `index on axis ${axis}, 0 to ${size - 1}; -1 is the last`);
  const apply = (): void => {
    const position = pythonIndex(input.value, size);
    if (position === data.index[axis]) {
      input.value = String(position);
      return;
    }
    const index = [...data.index];
    index[axis] = position;
    emit({ axes: data.axes, index });
  };
  input.addEventListener('change', apply);
  input.addEventListener('keydown', event => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    apply();
  });
  label.append(input, element('span', 'torchinspect-hint', ` of ${size}`));
  return label;
}

/** The index after a change of axes: shown axes become null, newly hidden ones start at 0. */
function indexFor(data: SlicerData, axes: [number, number]): (number | null)[] {
  return data.shape.map((_, axis) => (axes.includes(axis) ? null : (data.index[axis] ?? 0)));
}
