/**
 * The tensor snapshot contract, `torchinspect.tensor/1`.
 *
 * The one definition is the JSON Schema in py_src/torchinspect/schema/tensor-1.json;
 * this type mirrors it, and tests/js checks both against snapshots made by Python.
 */

export const TENSOR_SCHEMA = 'torchinspect.tensor/1';

export const TENSOR_MIME_TYPE = 'application/vnd.torchinspect.tensor+json';
/** What an inspector's saved output carries beside its snapshot, and what a comparison's carries. */
export const GRAPH_MIME_TYPE = 'application/vnd.torchinspect.graph+json';
export const GRADIENTS_MIME_TYPE = 'application/vnd.torchinspect.gradients+json';
export const COMPARISON_MIME_TYPE = 'application/vnd.torchinspect.comparison+json';

/** What the numbers of statistics, histogram and preview are. */
export type ValuesMeaning = 'values' | 'magnitude' | 'dequantized values';

export interface TensorStatistics {
  of: ValuesMeaning;
  count: number;
  finite: number;
  /** Over the finite values; null when there is none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  posinf: number;
  neginf: number;
  zeros: number;
}

export interface TensorHistogram {
  of: ValuesMeaning;
  lo: number;
  hi: number;
  counts: number[];
  /** 1: every finite value counted; p: every p-th element. */
  sample_every: number;
}

export interface TensorPreview {
  of: ValuesMeaning;
  axes: number[];
  index: (number | null)[];
  shape: number[];
  block: number[];
  dtype: 'float32';
  /** Little-endian float32: a binary buffer from the widget, base64 in stored JSON. */
  data: DataView | { base64: string };
  /** A downsampled 1-D preview's smallest and largest element per block, as `data` (optional). */
  lo?: DataView | { base64: string };
  hi?: DataView | { base64: string };
}

/**
 * One element exactly: a number, a bool, a decimal string for an integer past 2**53,
 * "nan", "inf" or "-inf"; a complex element is [real, imaginary].
 */
export type ExactScalar = number | boolean | string;
export type ExactElement = ExactScalar | [ExactScalar, ExactScalar];

export interface TensorValues {
  of: 'values' | 'dequantized values';
  shape: number[];
  /** Row-major. */
  data: ExactElement[];
}

/** One mesh dimension's placement of a DTensor. */
export type ShardPlacement =
  | { kind: 'shard'; dim: number }
  | { kind: 'replicate' }
  | { kind: 'partial'; reduce_op: string }
  | { kind: 'other'; text: string };

/** The part of the global tensor one rank holds: counted once (shard), a copy (replica) or an addend (partial). */
export interface ShardBlock {
  rank: number;
  coordinate: number[];
  shape: number[];
  offset: number[];
  role: 'shard' | 'replica' | 'partial';
}

/** A DTensor's layout; its snapshot's statistics and preview are then of the global tensor. */
export interface TensorSharding {
  mesh: { shape: number[]; dim_names: string[] | null; device_type: string; ranks: number[] };
  placements: ShardPlacement[];
  /** As the summary line says it: `DTensor(mesh dp=2 cpu, [Shard(0)])`. */
  text: string;
  /** The rank whose snapshot this is. */
  rank: number;
  /** Every rank's block in mesh order (at most 1024); null when a placement is not drawn. */
  blocks: ShardBlock[] | null;
  blocks_total: number;
  collectives: number;
}

/**
 * A shape or strides list past 1,024 dimensions as the kernel sends it (long_shapes.py): its
 * first and last 8 items and how many there are; `formatShape` reads it as `[1, …, 3] (60,001 dims)`.
 */
export interface CutDims<T> {
  length: number;
  head: T[];
  tail: T[];
}

/** Size of each dimension (null where a nested tensor's is ragged), or past 1,024 a cut list. */
export type Shape = (number | null)[] | CutDims<number | null>;

export interface TensorSnapshot {
  schema: typeof TENSOR_SCHEMA;
  name: string | null;
  summary: string;
  shape: Shape;
  dtype: string;
  device: string;
  layout: string;
  numel: number | null;
  type: string;
  is_parameter: boolean;
  names: (string | null)[] | null;
  quantization: Record<string, unknown> | null;
  strides: number[] | CutDims<number> | null;
  storage_offset: number | null;
  is_contiguous: boolean | null;
  memory_format: 'contiguous' | 'channels_last' | 'channels_last_3d' | null;
  element_size: number;
  nbytes: number | null;
  /** Bytes of the distinct elements a dense view reaches (optional: older snapshots lack it). */
  stored_nbytes?: number | null;
  is_view: boolean;
  base: { shape: Shape; dtype: string } | null;
  version: number | null;
  requires_grad: boolean;
  is_leaf: boolean;
  retains_grad: boolean;
  grad_fn: string | null;
  grad: TensorSnapshot | null;
  statistics: TensorStatistics | null;
  histogram: TensorHistogram | null;
  preview: TensorPreview | null;
  /** Every element of a dense tensor of 1 to 50 (optional: older snapshots lack it). */
  values?: TensorValues | null;
  /** Statistics of a complex tensor's real and imaginary parts (optional). */
  complex_parts?: { real: TensorStatistics; imaginary: TensorStatistics } | null;
  /** A DTensor's mesh, placements and blocks (optional: absent or null for any other tensor). */
  sharding?: TensorSharding | null;
  /** Why each of statistics, histogram and preview that is null was not computed. */
  not_computed: Partial<Record<'statistics' | 'histogram' | 'preview', string>>;
}

/**
 * Accept data as a tensor snapshot, or throw an Error that says what arrived.
 *
 * Only the schema tag is checked here: the kernel builds snapshots from the one
 * schema, and a saved output from another version must be refused in words.
 */
export function parseTensorSnapshot(data: unknown): TensorSnapshot {
  return accept<TensorSnapshot>(data, TENSOR_SCHEMA, 'a tensor snapshot', 'Install the torchinspect version that made it, or upgrade torchinspect.');
}

/** `data` when it is an object tagged `schema`; otherwise an Error saying what arrived and, in `advice`, what to do. */
function accept<T>(data: unknown, schema: string, what: string, advice: string): T {
  if (typeof data !== 'object' || data === null) {
    throw new Error(`torchinspect: expected ${what}, got ${describe(data)}.`);
  }
  const tag = (data as { schema?: unknown }).schema;
  if (tag !== schema) {
    throw new Error(`torchinspect: this view reads "${schema}" snapshots, got ${describe(tag)}. ${advice}`);
  }
  return data as T;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value}"`;
  return value === null ? 'null' : typeof value;
}

/*
 * The graph snapshot contract, `torchinspect.graph/1` (docs/graph-schema.md).
 *
 * The one definition is the JSON Schema in py_src/torchinspect/schema/graph-1.json;
 * these types mirror it. Edges run forward: from inputs and leaves to the roots.
 */

export const GRAPH_SCHEMA = 'torchinspect.graph/1';

/** A saved tensor's metadata; `node` is the graph node whose tensor it is, if any. */
export interface DescribedTensor {
  kind: 'tensor';
  shape: Shape | null;
  dtype: string;
  nbytes: number | null;
  /** Bytes of the distinct elements a dense view reaches (optional: older snapshots lack it). */
  stored_nbytes?: number | null;
  is_view: boolean;
  /** Which storage of the graph it keeps alive: equal indices are one block of memory (optional). */
  storage?: number;
  node: string | null;
  /** For a DTensor, its layout; `shape` is then the global shape (optional). */
  sharding?: GraphSharding;
}

/** A DTensor in a graph: its mesh and placements, and this rank's block, read without a collective. */
export interface GraphSharding {
  mesh: { shape: number[]; dim_names: string[] | null; device_type: string };
  placements: ShardPlacement[];
  local_shape: number[];
}

export type SavedTensorItem = DescribedTensor | { kind: 'none' | 'freed' } | { kind: 'hooked'; packed: string };

export type SavedTensor = SavedTensorItem | { kind: 'tensors'; length: number; items: SavedTensorItem[] };

export type PlainScalar = null | boolean | number | string;

/** A list longer than 16 arrives as its first 16 items and its length. */
export type PlainValue = PlainScalar | PlainScalar[] | { items: PlainScalar[]; length: number };

export type SavedValue = PlainValue | { freed: true };

/** A root's or leaf's tensor: metadata only; `torchinspect.snapshot` has the values. */
export interface GraphTensor {
  shape: Shape;
  dtype: string;
  device: string;
  nbytes: number | null;
  requires_grad: boolean;
  is_parameter: boolean;
  grad: { shape: Shape; dtype: string } | null;
  /** For a DTensor, its layout; `shape` is then the global shape (optional). */
  sharding?: GraphSharding;
}

export type GraphNodeKind = 'tensor' | 'leaf' | 'op';

export interface GraphNode {
  /** `t<i>` for a root tensor, `n<i>` for an autograd node. */
  id: string;
  kind: GraphNodeKind;
  op: string | null;
  forward_op: string | null;
  name: string | null;
  tensor: GraphTensor | null;
  base: string | null;
  saved_tensors: Record<string, SavedTensor>;
  saved_values: Record<string, SavedValue>;
  metadata: Record<string, PlainValue>;
  sequence_nr: number | null;
}

/** Output `output_nr` of `source` is input number `input` of `target`. */
export interface GraphEdge {
  source: string;
  target: string;
  input: number;
  output_nr: number;
  /** Past 16 edges of one pair, this one stands for `count` of them; `input` is the first's. */
  count?: number;
}

/** A part that comes again: its units' node ids; `pattern` for ops alone, `label` for modules. */
export interface GraphRepeat {
  container: string | null;
  units: string[][];
  pattern: string[] | null;
  label: string | null;
  /** The units not wired exactly like the others (a first layer whose input needs no gradient). */
  unlike: number[];
  /** As a page gets it with units elided (graph/wire.py): how many units in all; `units` then holds the others. */
  count?: number;
  /**
   * `span` where the kernel cut the ops no repeat holds into stretches of forward order (graph/spans.py): its
   * units are its ops one by one, not alike; `span` says where they lie among those ops, and in which module.
   */
  kind?: 'span' | 'inputs';
  span?: ForwardSpan;
  /** `inputs` where the kernel folded the leaves a node takes by the thousand (graph/inputs.py), one unit each. */
  inputs?: NodeInputs;
  /** The runs of units the page has not got yet; opening the repeat asks the kernel for them. */
  elided?: ElidedUnits[];
}

/** Where a span's ops lie among the `of` ops no repeat holds, in forward order, and the top-level module they are in. */
export interface ForwardSpan {
  first: number;
  of: number;
  module: string | null;
}

/** The node whose inputs a fold of kind `inputs` holds, and its op. */
export interface NodeInputs {
  of: string;
  op: string | null;
  /** How many other nodes take some of the leaves too, where any does (the wire's last resort). */
  others?: number;
}

/** A run of a repeat's units left out of the graph sent first: what the page draws of them without their nodes. */
export interface ElidedUnits {
  /** The first unit left out and the one after the last, numbered among all the repeat's units. */
  units: [number, number];
  nodes: number;
  held_nbytes: number;
  /** The distinct ops, forward ops and tensors' names in them, for search. */
  names: string[];
  names_complete: boolean;
  /** The edges between them and the nodes outside, by pair; null stands for these units. */
  links: { source: string | null; target: string | null; edges: number }[];
  /** How many more pairs link them to nodes outside than `links` lists; their edges come with the units. */
  links_left?: number;
}

/** Units of a repeat the kernel sent on request: their nodes and edges, and what is left elided around them. */
export interface GraphPart {
  /** The repeat's first node. */
  repeat: string;
  units: string[][];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** How many of the unit's edges did not fit this answer: the page asks for them from `edges` on. */
  edges_left?: number;
  elided: ElidedUnits[];
  inferred_modules?: Record<string, string>;
  held_by_node?: Record<string, number>;
  /** Where a backward pass was recorded: what its record says of the part (as gradients/1 spells it). */
  gradients?: PartGradients;
}

/** The gradient records of a graph part's nodes, which the record sent first left out. */
export interface PartGradients {
  nodes: Record<string, unknown>;
  parameters: unknown[];
  /** What the nodes the page had passed back to the part's nodes: null in the record sent first. */
  leaving: { node: string; input: number; gradient: unknown }[];
}

/** What folds a big graph, found by the kernel (optional: older snapshots lack it). */
export interface GraphFolding {
  modules: 'recorded' | 'inferred' | 'none';
  /** Where `modules` is `inferred`: each node's module, from the parameters its ops take. */
  inferred_modules?: Record<string, string>;
  repeats: GraphRepeat[];
}

export interface GraphSnapshot {
  schema: typeof GRAPH_SCHEMA;
  roots: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  held: boolean;
  /** The bytes of the distinct storages the graph saved for backward, leaves' left out (optional). */
  memory?: { held_nbytes: number; held_by_node: Record<string, number> };
  folding?: GraphFolding;
}

/** Accept data as a graph snapshot, or throw an Error that says what arrived. */
export function parseGraphSnapshot(data: unknown): GraphSnapshot {
  return accept<GraphSnapshot>(
    data, GRAPH_SCHEMA, 'a graph snapshot', 'Make one with torchinspect.autograd_graph(...), from the torchinspect version that draws it.'
  );
}

/** `torchinspect.comparison/1`: two tensors, their difference, and assert_close's verdict. */
export interface ComparisonSnapshot {
  schema: 'torchinspect.comparison/1';
  actual: TensorSnapshot;
  expected: TensorSnapshot;
  /** actual − expected; null when the shapes differ or a tensor is not dense. */
  difference: TensorSnapshot | null;
  verdict: {
    passed: boolean;
    /** assert_close's own message when it fails. */
    message: string | null;
    rtol: number;
    atol: number;
    total: number;
    /** Non-finite values travel as the text assert_close prints: "inf", "-inf", "nan". */
    max_abs_error: number | string | null;
    max_rel_error: number | string | null;
    mismatched: number | null;
  };
}

/*
 * The gradients recorded during backward, `torchinspect.gradients/1` (docs/gradients-schema.md).
 *
 * The one definition is the JSON Schema in py_src/torchinspect/schema/gradients-1.json; these
 * types mirror it as core/gradients.ts hands it to the views, every number a JS number
 * (NaN and ±Infinity included, however the wire spelled them). Node ids are the graph's.
 */

export const GRADIENTS_SCHEMA = 'torchinspect.gradients/1';

/**
 * One gradient tensor, summarised. As in the tensor snapshot, norm, min, max and rms are
 * of the finite values (null when there is none) and the counts say what else there is;
 * `values` only for at most 64 elements, magnitudes where `of` says so (complex gradients).
 */
export interface GradientSummary {
  /** Past 1,024 dimensions, cut as the graph's shapes are (`CutDims`). */
  shape: number[] | CutDims<number>;
  dtype: string;
  numel: number;
  /** What the numbers measure: `values`, or `magnitude` for complex gradients. */
  of: string;
  norm: number | null;
  min: number | null;
  max: number | null;
  /** Root mean square of the finite values: norm / sqrt(their count). */
  rms: number | null;
  nan: number;
  posinf: number;
  neginf: number;
  values: number[] | null;
}

/** One node's gradients: w.r.t. its forward outputs (arriving) and inputs (leaving); null where none. */
export interface NodeGradients {
  /** Its index in `order`. */
  step: number;
  arriving: (GradientSummary | null)[];
  leaving: (GradientSummary | null)[];
  /** Where the kernel cut a long `arriving` list: the magnitude of all of it, as `arrivingNorm` reads it. */
  arrivingMagnitude?: number | null;
}

export interface ParameterGradient {
  /** The leaf's node id (its AccumulateGrad). */
  node: string;
  name: string | null;
  /** Of the finite values of its gradient; null when there is none. */
  norm: number | null;
}

export type GradientFlagKind = 'nonfinite_origin' | 'vanishing' | 'exploding';

export interface GradientFlag {
  kind: GradientFlagKind;
  node: string;
  /** Plain words from the kernel, shown as text. */
  message: string;
}

export interface GradientsSnapshot {
  schema: typeof GRADIENTS_SCHEMA;
  /** Backward passes recorded through this graph so far. */
  passes: number;
  /** False when the last pass raised before it finished: the record stops where it stopped. */
  complete: boolean;
  /** Node ids in the order autograd ran them: those the page has, where the graph came with elided units. */
  order: string[];
  /** How many steps the pass ran in all (more than `order` holds where nodes were left out). */
  steps?: number;
  nodes: Record<string, NodeGradients>;
  /** Leaves by gradient norm, largest first. */
  parameters: ParameterGradient[];
  flags: GradientFlag[];
}
