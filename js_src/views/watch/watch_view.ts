/**
 * The training watch: the summary and the flags in words, the loss over steps, each
 * parameter's gradient norm (with its line over steps), weight norm and update-to-weight
 * ratio, each module's activation statistics, and the steps × bins heatmaps of one module's
 * activations and gradients (click a module to show its own).
 */

import { sequentialScale } from '../../core/colormap';
import { formatNumber } from '../../core/numbers';
import {
  float32s,
  intensity,
  linePoints,
  moduleName,
  rowOf,
  toNumber,
  uint8s,
  type JsonFloat,
  type WatchData,
  type WatchFlag,
  type WatchHeatmaps
} from '../../core/watch/watch';
import { element, labelledButton } from '../dom';
import type { View } from '../view';

export interface WatchViewHost {
  /** Show the heatmaps of the module at this index; absent where no kernel is behind the view. */
  select?: (module: number) => void;
}

const SVG = 'http://www.w3.org/2000/svg';
const LOSS_SIZE = { width: 480, height: 90 };
const LINE_SIZE = { width: 120, height: 18 };

export function mountWatchView(el: HTMLElement, data: WatchData, host: WatchViewHost = {}): View<WatchData> {
  const root = element('div', 'torchinspect torchinspect-watch');
  const summary = element('div', 'torchinspect-summary');
  const status = element('div', 'torchinspect-note torchinspect-watch-status');
  status.setAttribute('role', 'status');
  const flags = element('ul', 'torchinspect-watch-flags');
  const loss = element('section', 'torchinspect-watch-loss');
  const parameters = element('table', 'torchinspect-model-table torchinspect-watch-parameters');
  const modules = element('table', 'torchinspect-model-table torchinspect-watch-modules');
  const heatmaps = element('section', 'torchinspect-watch-heatmaps');
  root.append(summary, status, flags, loss, parameters, modules, heatmaps);
  el.appendChild(root);

  const draw = (next: WatchData): void => {
    summary.textContent = next.summary;
    status.textContent = statusText(next);
    flags.replaceChildren(...next.flags.map(flagItem));
    flags.hidden = next.flags.length === 0;
    drawLoss(loss, next);
    drawParameters(parameters, next);
    drawModules(modules, next, host.select);
    drawHeatmaps(heatmaps, next);
  };
  draw(data);
  return {
    update: draw,
    destroy: () => root.remove()
  };
}

function statusText(data: WatchData): string {
  const every = data.every === 1 ? 'every step' : `one step in ${data.every}`;
  const columns = data.steps_per_column === 1 ? '' : `, ${data.steps_per_column} recorded steps per column`;
  const state = data.running ? 'Watching' : 'Stopped: hooks removed';
  return `${state} · ${data.steps} steps · recording ${every}${columns}`;
}

function flagItem(flag: WatchFlag): HTMLLIElement {
  const item = element('li', `torchinspect-watch-flag torchinspect-watch-flag-${flag.kind}`);
  item.dataset.kind = flag.kind;
  item.append(element('strong', '', flag.title), element('span', '', ` — ${flag.text}`));
  return item;
}

function drawLoss(section: HTMLElement, data: WatchData): void {
  const values = float32s(data.loss);
  const steps = float32s(data.step);
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) {
    section.replaceChildren(element('p', 'torchinspect-note', 'Loss: none reported yet (w.log(loss) reports it).'));
    return;
  }
  const last = finite[finite.length - 1];
  const title = element('h4', 'torchinspect-watch-title', `Loss: ${formatNumber(last)} at step ${data.steps} (from ${formatNumber(finite[0])})`);
  const chart = lineSvg(values, LOSS_SIZE, 'torchinspect-watch-loss-line');
  chart.setAttribute('aria-label', `loss over steps ${steps[0] ?? 1} to ${data.steps}`);
  section.replaceChildren(title, chart);
}

function drawParameters(table: HTMLTableElement, data: WatchData): void {
  const lines = float32s(data.grad_norm);
  // Without the optimizer no update is measured: every ratio is NaN.
  const noUpdates = data.parameters.every(parameter => parameter.update_ratio === 'nan');
  table.replaceChildren(
    element('caption', '', `Parameters (${data.parameters.length})`),
    headerRow(['name', '‖grad‖', '‖grad‖ over steps', '‖weight‖', 'update / weight']),
    ...data.parameters.map((parameter, index) => {
      const row = element('tr', 'torchinspect-model-row');
      row.dataset.name = parameter.name;
      const line = element('td', 'torchinspect-watch-line');
      if (data.lines > 0) line.appendChild(lineSvg(rowOf(lines, data.lines, index), LINE_SIZE, 'torchinspect-watch-spark'));
      row.append(
        element('td', 'torchinspect-model-name', parameter.name),
        numberCell(parameter.grad_norm),
        line,
        numberCell(parameter.weight_norm),
        numberCell(parameter.update_ratio, noUpdates)
      );
      return row;
    })
  );
}

function drawModules(table: HTMLTableElement, data: WatchData, select: ((module: number) => void) | undefined): void {
  table.replaceChildren(
    element('caption', '', 'Activations (each module\'s output)'),
    headerRow(['module', 'mean', 'std', 'zeros', 'dead units', 'NaN / Inf']),
    ...data.modules.map((module, index) => {
      const row = element('tr', 'torchinspect-model-row');
      row.dataset.name = module.name;
      if (index === data.selected) row.setAttribute('aria-selected', 'true');
      const name = element('td', 'torchinspect-model-name');
      if (select === undefined) name.textContent = moduleName(module);
      else {
        const button = labelledButton(moduleName(module), `Show ${moduleName(module)}'s histograms over steps`, 'torchinspect-model-open');
        button.addEventListener('click', () => select(index));
        name.appendChild(button);
      }
      const nonFinite = toNumber(module.nonfinite);
      row.append(
        name,
        numberCell(module.mean),
        numberCell(module.std),
        element('td', '', percent(module.zeros)),
        element('td', '', percent(module.dead)),
        element('td', '', nonFiniteText(module))
      );
      if (nonFinite > 0) row.classList.add('torchinspect-model-trouble');
      return row;
    })
  );
}

function drawHeatmaps(section: HTMLElement, data: WatchData): void {
  const maps = data.heatmaps;
  const shown = data.modules[data.selected] as WatchData['modules'][number] | undefined;
  if (!hasHeatmaps(maps) || shown === undefined) {
    section.replaceChildren();
    return;
  }
  const parts: HTMLElement[] = [
    element('h4', 'torchinspect-watch-title', `Histograms over steps: ${moduleName(shown)}`),
    element('p', 'torchinspect-note', `|value| on a log scale, 1e-10 (and zeros) at the bottom to 1e5 at the top; a column per ${maps.steps_per_column === 1 ? 'recorded step' : `${maps.steps_per_column} recorded steps`}, its colour the share of values in each bin.`)
  ];
  parts.push(heatmapFigure('activations', 'its output', maps, maps.activations, data.bin_edges.length - 1));
  if (maps.has_gradients) parts.push(heatmapFigure('gradients', 'its parameters\' gradients', maps, maps.gradients, data.bin_edges.length - 1));
  section.replaceChildren(...parts);
}

function hasHeatmaps(maps: WatchData['heatmaps']): maps is WatchHeatmaps {
  return 'columns' in maps;
}

function heatmapFigure(kind: string, label: string, maps: WatchHeatmaps, bytes: WatchHeatmaps['activations'], bins: number): HTMLElement {
  const figure = element('figure', 'torchinspect-watch-heatmap');
  figure.dataset.kind = kind;
  const canvas = element('canvas', 'torchinspect-watch-canvas');
  canvas.width = maps.columns;
  canvas.height = bins;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${label}: ${maps.columns} columns × ${bins} bins`);
  const context = canvas.getContext('2d');
  if (context !== null) {
    const shares = uint8s(bytes);
    const image = context.createImageData(maps.columns, bins);
    const scale = sequentialScale(0, 1);
    for (let column = 0; column < maps.columns; column++) {
      for (let bin = 0; bin < bins; bin++) {
        const [r, g, b] = scale.colorOf(intensity(shares[column * bins + bin]));
        const at = ((bins - 1 - bin) * maps.columns + column) * 4;
        image.data.set([r, g, b, shares[column * bins + bin] === 0 ? 40 : 255], at);
      }
    }
    context.putImageData(image, 0, 0);
  }
  figure.append(canvas, element('figcaption', 'torchinspect-note', label));
  return figure;
}

function lineSvg(values: ArrayLike<number>, size: { width: number; height: number }, className: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', className);
  svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
  svg.setAttribute('width', String(size.width));
  svg.setAttribute('height', String(size.height));
  svg.setAttribute('role', 'img');
  for (const segment of linePoints(values, size.width, size.height - 2)) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', segment.map(({ x, y }) => `${x.toFixed(1)},${(y + 1).toFixed(1)}`).join(' '));
    svg.appendChild(line);
  }
  return svg;
}

function numberCell(value: JsonFloat, missing = false): HTMLTableCellElement {
  return element('td', '', missing ? '–' : formatNumber(toNumber(value)));
}

/** Whether the output held NaN or Inf, with the counts its sample saw. */
function nonFiniteText(module: WatchData['modules'][number]): string {
  const present = toNumber(module.nonfinite);
  if (Number.isNaN(present)) return '–';
  if (present === 0) return '';
  const [nan, inf] = [toNumber(module.nan), toNumber(module.inf)];
  return nan + inf > 0 ? `${nan} NaN, ${inf} Inf in the sample` : 'yes (outside the sample)';
}

function percent(value: JsonFloat): string {
  const number = toNumber(value);
  return Number.isNaN(number) ? '–' : `${(number * 100).toFixed(number > 0 && number < 0.01 ? 2 : 0)}%`;
}

function headerRow(names: string[]): HTMLTableRowElement {
  const row = element('tr', '');
  for (const name of names) row.appendChild(element('th', '', name));
  return row;
}
