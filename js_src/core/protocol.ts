/**
 * The wire between the page and the kernel, once for every host: the message kinds, what each
 * request and reply carries, and the one table of requests waiting for their reply.
 *
 * The widget talks over its anywidget comm (custom messages), the JupyterLab sidebar over the
 * comm target `COMM_TARGET`; both send `{kind, id, ...fields}` and the kernel answers with the
 * same kind and id, or with `Kind.Error` and the id. Every request settles: with its reply,
 * the kernel's error, a timeout, or the host's closing. The Python side is
 * py_src/torchinspect/protocol.py.
 */

import type { GraphPart, GraphSnapshot, TensorPreview, TensorSnapshot } from './schema';

export const Kind = {
  /** The sidebar's comm, once open: the kernel's protocol and torchinspect version. */
  Hello: 'torchinspect:hello',
  /** The sidebar's tensors of the user namespace. */
  List: 'torchinspect:list',
  /** Pushed after a cell: the sidebar rows that changed. */
  Update: 'torchinspect:update',
  /** A named tensor's snapshot and graph (the sidebar's inspector). */
  Snapshot: 'torchinspect:snapshot',
  /** Another slice of a tensor's values or grad. */
  Preview: 'torchinspect:preview',
  /** A graph leaf's or saved tensor's snapshot. */
  NodeTensor: 'torchinspect:node-tensor',
  GraphPart: 'torchinspect:graph-part',
  /** The whole text of a graph node's name or op, which the graph sent shortened. */
  FullText: 'torchinspect:full-text',
  /** An event, not a request: a view of a widget opened (`open: true`) or went. */
  View: 'torchinspect:view',
  /** The widget takes a new snapshot now (its reply carries nothing to wait for). */
  Refresh: 'torchinspect:refresh',
  Error: 'torchinspect:error'
} as const;

export type MessageKind = (typeof Kind)[keyof typeof Kind];

/** The requests the page waits on a reply for. */
export type RequestKind = typeof Kind.List | typeof Kind.Snapshot | typeof Kind.Preview | typeof Kind.NodeTensor | typeof Kind.GraphPart | typeof Kind.FullText;

/** How long a request waits before it says the kernel did not answer. */
export const REQUEST_TIMEOUT_MS = 30_000;

export const COMM_TARGET = 'torchinspect:tensors';
export const PROTOCOL = 1;

/**
 * The one line of Python the lab extension sends: an expression, so the import binds no name
 * in the user's namespace; it is run silently (no history, no cell events, no output).
 */
export const SILENT_IMPORT = '__import__("torchinspect.lab")';

/** Which of a tensor's parts a preview shows. */
export type PreviewTarget = 'values' | 'grad';

/** A graph tensor to show: the selected leaf, or a tensor an op saved for backward. */
export interface NodeTensorRequest {
  node: string;
  op: string | null;
  /** A saved tensor's name, such as `self`; null for the leaf's own tensor. */
  saved: string | null;
  /** What the page calls the leaf (its name in the graph), for the inspector's header. */
  name: string | null;
}

/** What the views may ask of the kernel about the tensor they show; a host without one passes none. */
export interface KernelRequests {
  /** Another slice of the values or the grad, `index` choosing along the axes not shown. */
  preview(target: PreviewTarget, axes: number[] | null, index: (number | null)[]): Promise<TensorPreview>;
  /** A graph tensor's snapshot as stored JSON (previews in base64), for the inspector view. */
  nodeTensor(request: NodeTensorRequest): Promise<unknown>;
  /** Units of a repeat the graph's first payload left out; absent where the graph always comes whole. */
  graphPart?(request: GraphPartRequest): Promise<GraphPart>;
  /** A graph node's text that the graph sent shortened, whole (its first 60,000 characters); absent where none can be asked. */
  fullText?(request: FullTextRequest): Promise<FullText>;
}

/** Which text of which graph node. */
export interface FullTextRequest {
  node: string;
  field: 'name' | 'op' | 'forward_op';
}

/** A text whole, or its first characters where `length` says it is longer. */
export interface FullText {
  text: string;
  length: number;
}

/** Units `units[0]` to `units[1]` (end excluded) of the repeat starting at node `repeat`, from its elided run `stretch`. */
export interface GraphPartRequest {
  repeat: string;
  count: number;
  stretch: [number, number];
  units: [number, number];
  /** Where a unit's edges came in several answers: how many of them the page has (see parts.ts: wholePart). */
  edges?: number;
}

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

/** A reply as it arrived: its content and the binary buffers beside it. */
export interface Reply {
  content: Record<string, unknown>;
  buffers: DataView[];
}

export const UNREADABLE = 'torchinspect: the kernel sent a reply this page cannot read';

/** A preview reply's slice: its bytes at `preview.data` (put there by `buffer_paths`) or in the first buffer. */
export function readPreview({ content, buffers }: Reply): TensorPreview {
  const preview = content.preview as Omit<TensorPreview, 'data'> & { data?: unknown } | undefined;
  const data = preview?.data instanceof DataView ? preview.data : buffers[0];
  if (preview === undefined || data === undefined) throw new Error(UNREADABLE);
  return { ...preview, data };
}

/** A node-tensor reply's snapshot, as stored JSON. */
export function readGraphPart({ content }: Reply): GraphPart {
  const part = content.part as GraphPart | undefined;
  if (part === undefined || !Array.isArray(part.nodes) || !Array.isArray(part.units)) throw new Error(UNREADABLE);
  return part;
}

export function readFullText({ content }: Reply): FullText {
  if (typeof content.text !== 'string' || typeof content.length !== 'number') throw new Error(UNREADABLE);
  return { text: content.text, length: content.length };
}

export function readNodeTensor({ content }: Reply): unknown {
  if (content.snapshot === undefined) throw new Error(UNREADABLE);
  return content.snapshot;
}

interface Waiting {
  kind: RequestKind;
  resolve(reply: Reply): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The requests a host has sent and not yet seen answered, by id. Each promise settles once:
 * with the reply of its kind, the kernel's error (its words), a reply of another kind (which
 * this page cannot read), the timeout, or `rejectAll` when the host goes away.
 */
export class PendingRequests {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(
    private readonly post: (message: Record<string, unknown>) => void,
    private readonly timeoutMs: number = REQUEST_TIMEOUT_MS
  ) {}

  /** Send a request of `kind`; `timeoutMs` null waits for as long as the kernel takes. */
  send(kind: RequestKind, fields: Record<string, unknown>, timeoutMs: number | null = this.timeoutMs): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              this.waiting.delete(id);
              reject(new Error(
                `torchinspect: the kernel did not answer within ${timeoutMs / 1000} s: it may be busy running a cell. Try again once it is idle.`
              ));
            }, timeoutMs);
      this.waiting.set(id, { kind, resolve, reject, timer });
      this.post({ ...fields, kind, id });
    });
  }

  /** Settle the request a message answers; false when it answers none. */
  settle(content: Record<string, unknown>, buffers: DataView[] = []): boolean {
    const id = content.id;
    const waiting = typeof id === 'number' ? this.waiting.get(id) : undefined;
    if (waiting === undefined) return false;
    this.waiting.delete(id as number);
    clearTimeout(waiting.timer);
    if (content.kind === waiting.kind) waiting.resolve({ content, buffers });
    else waiting.reject(new Error(typeof content.message === 'string' ? content.message : UNREADABLE));
    return true;
  }

  /** Reject everything still waiting, saying why. */
  rejectAll(reason: string): void {
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(reason));
    }
    this.waiting.clear();
  }
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

export function asDataView(buffer: ArrayBuffer | ArrayBufferView): DataView {
  return ArrayBuffer.isView(buffer)
    ? new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new DataView(buffer);
}
