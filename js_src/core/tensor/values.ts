/**
 * A small tensor's own numbers as `print` lays them out: one format for the whole tensor
 * (torch's: 4 decimals, or scientific when the magnitudes span more than 1000×), rows of a
 * matrix, a block per leading index beyond two dimensions. Plain strings, no DOM.
 */

import type { ExactElement, ExactScalar, TensorValues } from '../schema';

export interface ValueCell {
  /** As the grid shows it, in the tensor's one format. */
  text: string;
  /** Every digit the snapshot holds, for the tooltip. */
  exact: string;
}

export interface ValueBlock {
  /** `[0, :, :]` for a block of a tensor with more than two dimensions, else null. */
  label: string | null;
  rows: ValueCell[][];
}

export interface ValueGrid {
  blocks: ValueBlock[];
  complex: boolean;
}

const DECIMALS = 4;
/** A 1-D tensor wraps after this many values, as print wraps a long line. */
const ROW_LENGTH = 10;
const SCIENTIFIC_RATIO = 1000;
const SCIENTIFIC_ABOVE = 1e8;
const SCIENTIFIC_BELOW = 1e-4;

/** The values laid out as rows, every number written in one format. */
export function valueGrid(values: TensorValues, dtype: string): ValueGrid {
  const complex = values.data.some(Array.isArray);
  const floating = complex || values.of === 'dequantized values' || isFloating(dtype);
  const format = formatterFor(values.data.flatMap(item => (Array.isArray(item) ? item : [item])), floating);
  const cells = values.data.map(item => cellOf(item, format));
  return { blocks: blocksOf(cells, values.shape), complex };
}

/** Magnitude and phase (degrees) of each complex element, in one format each; null for real tensors. */
export function polarGrids(values: TensorValues): { magnitude: ValueGrid; phase: ValueGrid } | null {
  if (!values.data.some(Array.isArray)) return null;
  const pairs = values.data.map(item => (Array.isArray(item) ? item.map(toNumber) : [toNumber(item), 0]));
  const magnitude = pairs.map(([re, im]) => Math.hypot(re, im));
  const phase = pairs.map(([re, im]) => (Math.atan2(im, re) * 180) / Math.PI);
  return {
    magnitude: valueGrid({ ...values, data: magnitude }, 'float64'),
    phase: valueGrid({ ...values, data: phase }, 'float64')
  };
}

/** One scalar as the grid writes it: `3.1416`, `True`, `nan`, `0.+1.j`. */
export function formatScalar(values: TensorValues, dtype: string): string {
  return valueGrid(values, dtype).blocks[0]?.rows[0]?.[0]?.text ?? '';
}

type Format = (value: ExactScalar) => string;

/**
 * torch's choice for a whole tensor: integers whole; floats that are all whole as `3.`;
 * otherwise 4 decimals, or scientific where the finite magnitudes span more than 1000×
 * or leave [1e-4, 1e8). `floating` tells a float tensor's `3.` from an integer's `3`.
 */
export function formatterFor(items: ExactScalar[], floating: boolean): Format {
  const numbers = items.filter((item): item is number => typeof item === 'number' && Number.isFinite(item));
  const magnitudes = numbers.map(Math.abs).filter(size => size > 0);
  const whole = numbers.every(Number.isInteger);
  const smallest = Math.min(...magnitudes);
  const largest = Math.max(...magnitudes);
  const scientific =
    floating &&
    magnitudes.length > 0 &&
    (largest / smallest > SCIENTIFIC_RATIO || largest >= SCIENTIFIC_ABOVE || (!whole && smallest < SCIENTIFIC_BELOW));
  return item => {
    if (typeof item === 'boolean') return item ? 'True' : 'False';
    if (typeof item === 'string') return item;
    if (!floating) return String(item);
    if (Number.isNaN(item)) return 'nan';
    if (!Number.isFinite(item)) return item > 0 ? 'inf' : '-inf';
    if (scientific) return item.toExponential(DECIMALS).replace(/e([+-])(\d)$/, 'e$10$2');
    if (whole) return `${Object.is(item, -0) ? '-0' : String(item)}.`;
    return item.toFixed(DECIMALS);
  };
}

function cellOf(item: ExactElement, format: Format): ValueCell {
  if (!Array.isArray(item)) return { text: format(item), exact: exactText(item) };
  const [re, im] = item;
  const imaginary = format(im);
  const sign = imaginary.startsWith('-') ? '' : '+';
  return { text: `${format(re)}${sign}${imaginary}j`, exact: `${exactText(re)}${sign}${exactText(im)}j` };
}

function isFloating(dtype: string): boolean {
  return dtype.startsWith('float') || dtype.startsWith('bfloat') || dtype.startsWith('complex');
}

function exactText(item: ExactScalar): string {
  if (typeof item === 'boolean') return item ? 'True' : 'False';
  return String(item);
}

function toNumber(item: ExactScalar): number {
  if (typeof item === 'boolean') return item ? 1 : 0;
  return typeof item === 'number' ? item : Number(item);
}

function blocksOf(cells: ValueCell[], shape: number[]): ValueBlock[] {
  if (shape.length <= 1) {
    const rows = Array.from({ length: Math.ceil(cells.length / ROW_LENGTH) }, (_, row) => cells.slice(row * ROW_LENGTH, (row + 1) * ROW_LENGTH));
    return [{ label: null, rows }];
  }
  const columns = shape[shape.length - 1];
  const rows = shape[shape.length - 2];
  const leading = shape.slice(0, -2);
  const blockSize = rows * columns;
  const count = leading.reduce((product, size) => product * size, 1);
  return Array.from({ length: count }, (_, block) => {
    const start = block * blockSize;
    const grid = Array.from({ length: rows }, (_, row) => cells.slice(start + row * columns, start + (row + 1) * columns));
    return { label: leading.length === 0 ? null : `[${[...unravel(block, leading), ':', ':'].join(', ')}]`, rows: grid };
  });
}

function unravel(position: number, sizes: number[]): number[] {
  const index: number[] = [];
  let rest = position;
  for (let axis = sizes.length - 1; axis >= 0; axis--) {
    index.unshift(rest % sizes[axis]);
    rest = Math.floor(rest / sizes[axis]);
  }
  return index;
}
