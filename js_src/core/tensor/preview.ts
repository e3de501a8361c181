/**
 * A heatmap preview, read: its float32 values, where each cell sits on the grid drawn,
 * and which elements of the tensor a cell stands for. Plain data, no DOM.
 */

import type { TensorPreview } from '../schema';

const FLOAT32_BYTES = 4;

/**
 * 1-D previews (up to 4096 values) wrap into rows of this many cells: a single 1 × n strip
 * of 4096 values would leave each cell a fraction of a pixel, while 64 × 64 keeps every
 * cell a few pixels wide and reads left to right, top to bottom like the tensor.
 */
export const STRIP_WIDTH = 64;

/**
 * The preview's values, row-major: over the same bytes as a DataView from the widget
 * where they are aligned and little-endian, else a copy; decoded from stored base64.
 * Throws when the bytes do not hold exactly one float32 per cell of `shape`.
 */
export function previewValues(preview: TensorPreview): Float32Array {
  const bytes = previewBytes(preview.data);
  const cells = preview.shape.reduce((product, size) => product * size, 1);
  if (bytes.byteLength !== cells * FLOAT32_BYTES) {
    throw new Error(
      `torchinspect: a preview of shape [${preview.shape.join(', ')}] needs ${cells * FLOAT32_BYTES} ` +
        `bytes (${cells} float32 values), got ${bytes.byteLength}. The snapshot is damaged: make it again.`
    );
  }
  const inPlace = bytes.byteOffset % FLOAT32_BYTES === 0 && isLittleEndian();
  return inPlace ? new Float32Array(bytes.buffer, bytes.byteOffset, cells) : copyLittleEndian(bytes, cells);
}

/** Rows and columns of the grid drawn: a 2-D preview as it is, a 1-D one wrapped. */
export function previewGrid(preview: TensorPreview): { rows: number; columns: number } {
  if (preview.shape.length === 2) return { rows: preview.shape[0], columns: preview.shape[1] };
  const length = preview.shape[0];
  const columns = Math.min(length, STRIP_WIDTH);
  return { rows: Math.ceil(length / Math.max(columns, 1)), columns };
}

/** Position in the values of the cell drawn at (row, column), or null past a wrapped strip's end. */
export function cellAt(preview: TensorPreview, row: number, column: number): number | null {
  const { columns } = previewGrid(preview);
  const position = row * columns + column;
  const cells = preview.shape.reduce((product, size) => product * size, 1);
  return position < cells ? position : null;
}

/**
 * The tensor index a cell stands for, as Python writes it: `[2, 5, 7]`, or for a downsampled
 * cell the block as slices, `[2, 8:16, 0:4]`. A last block may hold fewer elements; its slice
 * still reads right in Python, which stops a slice at the end of the axis.
 */
export function cellIndexText(preview: TensorPreview, position: number): string {
  const [row, column] = preview.shape.length === 2 ? cellRowColumn(preview, position) : [0, position];
  const along = (cell: number, block: number): string =>
    block === 1 ? String(cell) : `${cell * block}:${(cell + 1) * block}`;
  const parts = preview.index.map((at, axis) => {
    if (at !== null) return String(at);
    if (preview.shape.length === 1) return along(column, preview.block[0]);
    return axis === preview.axes[0] ? along(row, preview.block[0]) : along(column, preview.block[1]);
  });
  return `[${parts.join(', ')}]`;
}

/** Whether each cell is the mean of several elements rather than one element. */
export function isDownsampled(preview: TensorPreview): boolean {
  return preview.block.some(size => size > 1);
}

/** "downsampled: each cell is the mean of 3 × 8 elements", or null for exact values. */
export function downsampleCaption(preview: TensorPreview): string | null {
  if (!isDownsampled(preview)) return null;
  const elements = preview.block.reduce((product, size) => product * size, 1);
  const shape = preview.block.length === 2 ? `${preview.block[0]} × ${preview.block[1]}` : String(elements);
  return `downsampled: each cell is the mean of ${shape} elements`;
}

/** "slice [2, :, :]" when the preview shows two axes of a tensor with more. */
export function sliceCaption(preview: TensorPreview): string | null {
  if (preview.index.every(at => at === null)) return null;
  return `slice [${preview.index.map(at => (at === null ? ':' : String(at))).join(', ')}]`;
}

function cellRowColumn(preview: TensorPreview, position: number): [number, number] {
  const columns = preview.shape[1];
  return [Math.floor(position / columns), position % columns];
}

function previewBytes(data: TensorPreview['data']): Uint8Array {
  if (data instanceof DataView) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data?.base64 !== 'string') {
    throw new Error('torchinspect: a preview\'s data must be a DataView or {"base64": "…"}.');
  }
  const text = atob(data.base64);
  return Uint8Array.from(text, character => character.charCodeAt(0));
}

function copyLittleEndian(bytes: Uint8Array, cells: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: cells }, (_, cell) => view.getFloat32(cell * FLOAT32_BYTES, true));
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
