/** How shapes, flags, tuples and sizes read on the page: plain strings, no DOM. */

/** `[20, 20]`, `[]` for a scalar; a ragged nested dimension shows as `*`. */
export function formatShape(shape: (number | null)[]): string {
  return `[${shape.map(size => (size === null ? '*' : String(size))).join(', ')}]`;
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
