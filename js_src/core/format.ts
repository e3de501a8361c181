/** How shapes, flags, tuples and sizes read on the page: plain strings, no DOM. */

import type { CutDims, Shape } from './schema';

/**
 * `[20, 20]`, `[]` for a scalar; a ragged nested dimension shows as `*`; a shape the kernel cut
 * (past 1,024 dimensions) as its first and last sizes: `[1, 1, …, 1, 3] (60,001 dims)`.
 */
export function formatShape(shape: Shape): string {
  const sizes = (list: (number | null)[]) => list.map(size => (size === null ? '*' : String(size))).join(', ');
  return isCut(shape) ? `[${sizes(shape.head)}, …, ${sizes(shape.tail)}] ${dimsCount(shape)}` : `[${sizes(shape)}]`;
}

/** Whether a shape or strides list came cut (`CutDims`), not whole. */
export function isCut<T>(list: T[] | CutDims<T>): list is CutDims<T> {
  return !Array.isArray(list);
}

/** Every item of a list that came whole; null for a cut one, whose middle the page has not got. */
export function wholeDims<T>(list: T[] | CutDims<T>): T[] | null {
  return isCut(list) ? null : list;
}

/** Strides as Python prints a tuple (`formatTuple`), or cut: `(1, 1, …, 1) (60,001 dims)`. */
export function formatStrides(strides: number[] | CutDims<number>): string {
  return isCut(strides) ? `(${[...strides.head, '…', ...strides.tail].join(', ')}) ${dimsCount(strides)}` : formatTuple(strides);
}

function dimsCount(cut: CutDims<unknown>): string {
  return `(${formatCount(cut.length)} dims)`;
}

/** Python's spelling, since learners compare it with what `print` shows. */
export function formatBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** A Python tuple as Python prints it: `(1,)` for one element. */
export function formatTuple(items: (string | number)[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** Made once: `toLocaleString('en-US')` builds a number format at each call (tens of µs in Chromium). */
const COUNTS = new Intl.NumberFormat('en-US');

/** `1,234`: counts of thousands of nodes read at a glance. */
export function formatCount(count: number): string {
  return COUNTS.format(count);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `80 B`, `3.9 KiB`, `381.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}
