/** Python that reproduces what a preview shows, and norms derived from statistics. No DOM. */

import type { TensorPreview, TensorStatistics } from '../schema';

/**
 * `x[3, :, 5]` for the slice a preview shows; `.T` when its rows come from the later axis.
 * Trailing full slices are left out, as a person writes them.
 */
export function sliceExpression(name: string, preview: Pick<TensorPreview, 'axes' | 'index'>): string {
  const parts = preview.index.map(position => (position === null ? ':' : String(position)));
  while (parts.length > 0 && parts[parts.length - 1] === ':') parts.pop();
  const indexed = parts.length === 0 ? name : `${name}[${parts.join(', ')}]`;
  const [rows, columns] = preview.axes;
  return columns !== undefined && rows > columns ? `${indexed}.T` : indexed;
}

/**
 * The position a typed index picks on an axis of `size`, as Python reads it: -1 is the last;
 * anything past either end stops at that end, and what is not a number reads as 0.
 */
export function pythonIndex(typed: string, size: number): number {
  const number = Math.trunc(Number(typed));
  if (typed.trim() === '' || !Number.isFinite(number)) return 0;
  const position = number < 0 ? number + size : number;
  return Math.min(size - 1, Math.max(0, position));
}

/**
 * The 2-norm of the finite values, recovered exactly from count, mean and std:
 * Σx² = (n − 1)·σ² + n·μ². Null when there is no finite value.
 */
export function normOf(stats: TensorStatistics): number | null {
  if (stats.finite === 0 || stats.mean === null) return null;
  const spread = stats.std === null ? 0 : (stats.finite - 1) * stats.std ** 2;
  return Math.sqrt(spread + stats.finite * stats.mean ** 2);
}
