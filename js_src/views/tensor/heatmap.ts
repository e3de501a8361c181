/**
 * The heatmap: a preview's cells on a canvas, one canvas pixel per cell scaled up without
 * smoothing, a legend of its colour scale, and a read-out of the cell under the pointer or
 * the keyboard cursor: its tensor index and its float32 value.
 */

import { scaleFor, type ColorScale } from '../../core/colormap';
import { formatFloat32, formatNumber } from '../../core/numbers';
import {
  cellAt,
  cellIndexText,
  downsampleCaption,
  isDownsampled,
  previewGrid,
  previewValues,
  sliceCaption
} from '../../core/tensor/preview';
import type { TensorPreview, TensorStatistics } from '../../core/schema';
import { element } from '../dom';
import { readOutLine } from './readout';
import { drawLegend } from './legend';
import type { View } from '../view';

export interface HeatmapData {
  preview: TensorPreview | null;
  /** What the cells are, such as "values" or "grad". */
  label: string;
  /** Why there is no preview, shown in its place. */
  notComputed?: string;
  /** A scale to share with another heatmap (see sharedScale); by default, this preview's own. */
  scale?: ColorScale;
  /** The whole tensor's statistics: a scale narrower than its values says so. */
  statistics?: TensorStatistics | null;
}

/** The largest side drawn, and the cell sizes allowed: big enough to point at, never blurry. */
const MAX_SIDE_PX = 360;
const MIN_CELL_PX = 2;
const MAX_CELL_PX = 32;
const CURSOR_RING_PX = 2;

const KEYBOARD_HINT = 'point at a cell, or focus the map and use the arrow keys, for its value';

interface Drawn {
  preview: TensorPreview;
  values: Float32Array;
  scale: ColorScale;
  rows: number;
  columns: number;
  cellPx: number;
}

export function mountHeatmap(el: HTMLElement, data: HeatmapData): View<HeatmapData> {
  const listening = new AbortController();
  const root = element('div', 'torchinspect-plot torchinspect-heatmap');
  const header = element('div', 'torchinspect-plot-header');
  const title = element('h3', 'torchinspect-plot-title');
  header.appendChild(title);
  const captions = element('div', 'torchinspect-heatmap-captions');
  const frame = element('div', 'torchinspect-heatmap-frame');
  const canvas = element('canvas', 'torchinspect-heatmap-canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  const cursor = element('div', 'torchinspect-heatmap-cursor');
  frame.append(canvas, cursor);
  const readOut = readOutLine(KEYBOARD_HINT);
  const legend = element('div', 'torchinspect-heatmap-legend');
  const reason = element('p', 'torchinspect-plot-reason');
  root.append(header, captions, frame, readOut.node, legend, reason);
  el.appendChild(root);

  let drawn: Drawn | null = null;
  let selected: { row: number; column: number } | null = null;

  const select = (cell: { row: number; column: number } | null): void => {
    selected = drawn && cell ? clampCell(drawn, cell) : null;
    const position = drawn && selected ? cellAt(drawn.preview, selected.row, selected.column) : null;
    cursor.hidden = position === null;
    if (drawn === null || selected === null || position === null) return readOut.show(null);
    // The cursor rings the cell from outside, so that even a 2-pixel cell shows inside it.
    const [x, y] = [selected.column * drawn.cellPx - CURSOR_RING_PX, selected.row * drawn.cellPx - CURSOR_RING_PX];
    cursor.style.transform = `translate(${x}px, ${y}px)`;
    cursor.style.width = cursor.style.height = `${drawn.cellPx + 2 * CURSOR_RING_PX}px`;
    readOut.show(cellReadOut(drawn, position));
  };
  const render = (next: HeatmapData): void => {
    title.textContent = `heatmap of ${next.label}`;
    canvas.setAttribute('aria-label', `heatmap of ${next.label}: the arrow keys move a cursor over the cells`);
    drawn = null;
    try {
      drawn = next.preview && drawPreview(canvas, next.preview, next.scale);
    } catch (error) {
      reason.textContent = (error as Error).message;
    }
    if (next.preview === null) reason.textContent = next.notComputed ?? 'not computed';
    for (const part of [frame, readOut.node, legend, captions]) part.hidden = drawn === null;
    reason.hidden = drawn !== null;
    reason.classList.toggle('torchinspect-error', next.preview !== null && drawn === null);
    if (drawn === null) return select(null);
    const notes = [...captionsOf(drawn.preview), narrowScaleNote(drawn, next.statistics ?? null)].filter(
      (text): text is string => text !== null
    );
    captions.replaceChildren(...notes.map(text => element('p', 'torchinspect-plot-note', text)));
    captions.hidden = notes.length === 0;
    legend.replaceChildren(...drawLegend(drawn.scale, drawn.values));
    select(selected);
  };

  listenForCursor(canvas, () => drawn, () => selected, select, listening.signal);
  render(data);
  return {
    update: render,
    destroy: () => {
      listening.abort();
      root.remove();
    }
  };
}

/** Paints one canvas pixel per cell and sizes the canvas on the page, before it is seen. */
function drawPreview(canvas: HTMLCanvasElement, preview: TensorPreview, shared?: ColorScale): Drawn {
  const values = previewValues(preview);
  const { rows, columns } = previewGrid(preview);
  const scale = shared ?? scaleFor(values);
  const fitting = Math.floor(MAX_SIDE_PX / Math.max(rows, columns, 1));
  const cellPx = Math.min(MAX_CELL_PX, Math.max(MIN_CELL_PX, fitting));
  canvas.width = columns;
  canvas.height = rows;
  canvas.style.width = `${columns * cellPx}px`;
  canvas.style.height = `${rows * cellPx}px`;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('torchinspect: this browser cannot draw on a canvas.');
  const pixels = context.createImageData(columns, rows);
  values.forEach((value, position) => pixels.data.set(scale.colorOf(value), position * 4));
  context.putImageData(pixels, 0, 0);
  return { preview, values, scale, rows, columns, cellPx };
}

function captionsOf(preview: TensorPreview): (string | null)[] {
  return [sliceCaption(preview), downsampleCaption(preview)];
}

/** Block means, or one slice, span less than the tensor: the legend's ends are not its extremes. */
function narrowScaleNote(drawn: Drawn, statistics: TensorStatistics | null): string | null {
  if (statistics === null || statistics.min === null || statistics.max === null || statistics.of !== drawn.preview.of) return null;
  if (drawn.scale.lo <= statistics.min && drawn.scale.hi >= statistics.max) return null;
  const shown = isDownsampled(drawn.preview) ? 'block means' : 'this slice';
  return (
    `colours span ${formatNumber(drawn.scale.lo)} … ${formatNumber(drawn.scale.hi)} (${shown}); ` +
    `the tensor's values span ${formatNumber(statistics.min)} … ${formatNumber(statistics.max)}`
  );
}

/** "[2, 3:6, 0:8] mean of block = 0.25"; "[7] = 0.1" where a cell is one element. */
function cellReadOut(drawn: Drawn, position: number): string {
  const block = isDownsampled(drawn.preview) ? ' mean of block' : '';
  return `${cellIndexText(drawn.preview, position)}${block} = ${formatFloat32(drawn.values[position])}`;
}

/** Inside the grid, and on a cell that exists where a wrapped 1-D strip ends early. */
function clampCell(drawn: Drawn, cell: { row: number; column: number }): { row: number; column: number } {
  const row = Math.min(Math.max(cell.row, 0), drawn.rows - 1);
  const column = Math.min(Math.max(cell.column, 0), drawn.columns - 1);
  if (cellAt(drawn.preview, row, column) !== null) return { row, column };
  const last = drawn.values.length - 1;
  return { row: Math.floor(last / drawn.columns), column: last % drawn.columns };
}

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1]
};

function listenForCursor(
  canvas: HTMLCanvasElement,
  drawn: () => Drawn | null,
  selected: () => { row: number; column: number } | null,
  select: (cell: { row: number; column: number } | null) => void,
  signal: AbortSignal
): void {
  canvas.addEventListener('pointermove', event => {
    const shown = drawn();
    if (shown === null) return;
    const [row, column] = [event.offsetY, event.offsetX].map(px => Math.floor(px / shown.cellPx));
    const cell = { row, column };
    select(cellAt(shown.preview, cell.row, cell.column) === null ? null : cell);
  }, { signal });
  canvas.addEventListener('pointerleave', () => {
    if (document.activeElement !== canvas) select(null);
  }, { signal });
  canvas.addEventListener('focus', () => select(selected() ?? { row: 0, column: 0 }), { signal });
  canvas.addEventListener('blur', () => select(null), { signal });
  canvas.addEventListener('keydown', event => {
    const move = ARROWS[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const from = selected() ?? { row: 0, column: 0 };
    select({ row: from.row + move[0], column: from.column + move[1] });
  }, { signal });
}
