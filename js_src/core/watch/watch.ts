/**
 * A training watch as the page receives it (torchinspect.watch/1, made by
 * py_src/torchinspect/training/payload.py): types, the float32 and uint8 buffers read back, and
 * the shapes the view draws (a line's points, a heatmap's cells), with no DOM.
 */

/** A finite number, or 'inf', '-inf', 'nan'. */
export type JsonFloat = number | 'inf' | '-inf' | 'nan';

/** The MIME type under which a saved watch output, and an exported page, carry the watch. */
export const WATCH_MIME_TYPE = 'application/vnd.torchinspect.watch+json';

/** Bytes as anywidget delivers them (a DataView), already read, or base64 in stored JSON. */
export type Bytes = DataView | ArrayBuffer | Uint8Array | { base64: string };

export interface WatchParameter {
  name: string;
  grad_norm: JsonFloat;
  weight_norm: JsonFloat;
  update_ratio: JsonFloat;
}

export interface WatchModule {
  /** Its path in the model ('' for the model itself). */
  name: string;
  class: string;
  mean: JsonFloat;
  std: JsonFloat;
  zeros: JsonFloat;
  dead: JsonFloat;
  /** NaN and Inf counted in the sample of the output the statistics read. */
  nan: JsonFloat;
  inf: JsonFloat;
  /** 1 when any value of the whole output is NaN or Inf (read from its sum), else 0. */
  nonfinite: JsonFloat;
}

export interface WatchFlag {
  kind: 'nonfinite' | 'exploding' | 'vanishing' | 'large-update' | 'dead';
  title: string;
  where: string[];
  text: string;
}

export interface WatchHeatmaps {
  columns: number;
  steps_per_column: number;
  activations: Bytes;
  gradients: Bytes;
  has_gradients: boolean;
}

export interface WatchData {
  schema: 'torchinspect.watch/1';
  summary: string;
  running: boolean;
  steps: number;
  every: number;
  columns: number;
  steps_per_column: number;
  step: Bytes;
  loss: Bytes;
  parameters: WatchParameter[];
  lines: number;
  grad_norm: Bytes;
  update_ratio: Bytes;
  modules: WatchModule[];
  selected: number;
  heatmaps: WatchHeatmaps | Record<string, never>;
  bin_edges: JsonFloat[];
  flags: WatchFlag[];
}

export function isWatchData(data: unknown): data is WatchData {
  return typeof data === 'object' && data !== null && (data as { schema?: unknown }).schema === 'torchinspect.watch/1';
}

export function toNumber(value: JsonFloat): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return value;
}

function bytesOf(data: Bytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof DataView) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data?.base64 !== 'string') throw new Error('torchinspect: a watch\'s numbers must be bytes or {"base64": "…"}.');
  return Uint8Array.from(atob(data.base64), character => character.charCodeAt(0));
}

/** Little-endian float32 values, copied out (a DataView from the wire may not be aligned). */
export function float32s(data: Bytes): Float32Array {
  const bytes = bytesOf(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

export function uint8s(data: Bytes): Uint8Array {
  return bytesOf(data);
}

/** Row `row` of a [rows, width] float32 matrix. */
export function rowOf(values: Float32Array, width: number, row: number): Float32Array {
  return values.subarray(row * width, (row + 1) * width);
}

/**
 * A line's points in a `width` × `height` box, y on a log scale when every finite value is
 * positive and they span more than a decade; NaN and infinite values leave gaps.
 */
export function linePoints(values: ArrayLike<number>, width: number, height: number): { x: number; y: number }[][] {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) return [];
  const log = finite.every(v => v > 0) && Math.max(...finite) / Math.min(...finite) > 10;
  const scale = (v: number): number => (log ? Math.log10(v) : v);
  const lo = Math.min(...finite.map(scale));
  const hi = Math.max(...finite.map(scale));
  const segments: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      if (current.length) segments.push(current);
      current = [];
      continue;
    }
    const x = values.length === 1 ? width / 2 : (i / (values.length - 1)) * width;
    const y = hi > lo ? height - ((scale(v) - lo) / (hi - lo)) * height : height / 2;
    current.push({ x, y });
  }
  if (current.length) segments.push(current);
  return segments;
}

/** The share of a column (0–255 over the wire) as a 0–1 intensity, sharpened so sparse bins still show. */
export function intensity(share: number): number {
  return share === 0 ? 0 : Math.sqrt(share / 255);
}

/** A module as the tables name it: `0 · Linear`, or the class alone for the model itself. */
export function moduleName(module: WatchModule): string {
  return module.name === '' ? module.class : `${module.name} · ${module.class}`;
}
