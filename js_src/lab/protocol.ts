/**
 * The wire contract of the Tensors sidebar with the kernel side, `torchinspect.lab`.
 *
 * The extension runs one silent line, `SILENT_IMPORT`, which registers the comm target;
 * every other exchange is a comm message with a `kind` and, for requests, an `id` that
 * the reply carries back. The Python side documents the kinds in py_src/torchinspect/lab.py.
 */

import type { GraphSnapshot, TensorSnapshot } from '../core/schema';

export const COMM_TARGET = 'torchinspect:tensors';
export const PROTOCOL = 1;

/**
 * The one line of Python the extension sends: an expression, so the import binds no name
 * in the user's namespace; it is run silently (no history, no cell events, no output).
 */
export const SILENT_IMPORT = '__import__("torchinspect.lab")';

export const Kind = {
  Hello: 'torchinspect:hello',
  List: 'torchinspect:list',
  Update: 'torchinspect:update',
  Snapshot: 'torchinspect:snapshot',
  Preview: 'torchinspect:preview',
  NodeTensor: 'torchinspect:node-tensor',
  Error: 'torchinspect:error'
} as const;

export interface NonFinite {
  nan: number;
  posinf: number;
  neginf: number;
}

/** One tensor of the kernel's namespace, as the sidebar lists it. */
export interface TensorRow {
  /** The variable (`x`) or a module's parameter by its dotted path (`model.0.weight`). */
  name: string;
  /** The module variable a parameter belongs to, and the module's class; null for variables. */
  group: string | null;
  group_type: string | null;
  /** The card's one-line summary, without values: shape, dtype, device and autograd state. */
  summary: string;
  shape: (number | null)[] | null;
  dtype: string | null;
  device: string | null;
  numel: number | null;
  requires_grad: boolean | null;
  is_leaf: boolean | null;
  grad_fn: string | null;
  grad_shape: (number | null)[] | null;
  /** Counts of NaN and ±Inf, or null when not counted (`not_counted` says why). */
  nonfinite: NonFinite | null;
  grad_nonfinite: NonFinite | null;
  not_counted: string | null;
}

export interface HelloMessage {
  kind: typeof Kind.Hello;
  protocol: number;
  version: string;
}

export interface ListReply {
  kind: typeof Kind.List;
  id: number;
  rows: TensorRow[];
  omitted: number;
}

/** Pushed after a cell that changed something: new or changed rows, and the names gone. */
export interface UpdateMessage {
  kind: typeof Kind.Update;
  rows: TensorRow[];
  removed: string[];
  omitted: number;
}

export interface SnapshotReply {
  kind: typeof Kind.Snapshot;
  id: number;
  name: string;
  snapshot: TensorSnapshot;
  /** The backward graph behind the tensor; an empty object for a leaf. */
  graph: GraphSnapshot | Record<string, never>;
}

export interface ErrorReply {
  kind: typeof Kind.Error;
  /** The request's id; null for a problem after a cell. */
  id: number | null;
  message: string;
}

/**
 * Put the binary buffers of a comm message back where the kernel took them out:
 * `buffer_paths[i]` is the path of keys and indices of `buffers[i]`.
 */
export function putBuffers(content: Record<string, unknown>, buffers: readonly (ArrayBuffer | ArrayBufferView)[]): void {
  const paths = content.buffer_paths;
  if (!Array.isArray(paths)) return;
  paths.forEach((path: unknown, index) => {
    const buffer = buffers[index];
    if (!Array.isArray(path) || path.length === 0 || buffer === undefined) return;
    let parent: unknown = content;
    for (const key of path.slice(0, -1)) {
      parent = (parent as Record<string | number, unknown> | null)?.[key as string | number];
    }
    if (typeof parent === 'object' && parent !== null) {
      (parent as Record<string | number, unknown>)[path[path.length - 1] as string | number] = asDataView(buffer);
    }
  });
  delete content.buffer_paths;
}

function asDataView(buffer: ArrayBuffer | ArrayBufferView): DataView {
  return ArrayBuffer.isView(buffer)
    ? new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new DataView(buffer);
}
