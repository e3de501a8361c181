/**
 * The shape of the tensor each edge carries, from what the snapshot says and what torch's ops
 * do with shapes, never guessed: an output's shape is read where a tensor shows it (a leaf, a
 * root, an op's saved `result`), where an op saved it as an input (`self`, `other`, `vec`,
 * `self_sym_sizes`), and then passed along the ops whose output shape their inputs decide
 * (elementwise ops, whole reductions, `mv`, `mm`), both ways for the elementwise ones of one
 * input. An edge whose shape none of these gives is left without one. Pure data, no DOM.
 */

import type { GraphIndex } from './folding';
import type { GraphEdge, GraphNode, GraphSnapshot, SavedTensor, Shape as SentShape } from '../schema';
import { wholeDims } from '../format';

type Shape = number[];

/** The input each saved name is, where the op's arguments are not `self` then `other`. */
const INPUT_NAMES: Record<string, Record<string, number>> = {
  MvBackward0: { self: 0, vec: 1 },
  MmBackward0: { self: 0, mat2: 1 },
  BmmBackward0: { self: 0, mat2: 1 },
  AddmmBackward0: { mat1: 1, mat2: 2 },
  AddmvBackward0: { mat: 1, vec: 2 }
};
const USUAL_INPUT_NAMES: Record<string, number> = { self: 0, other: 1 };

/** Ops of one tensor input whose output has that input's shape. */
const SAME_SHAPE = new Set([
  'AbsBackward0', 'AddBackward1', 'CloneBackward0', 'CosBackward0', 'EluBackward0', 'ExpBackward0', 'Expm1Backward0',
  'GeluBackward0', 'HardtanhBackward0', 'LeakyReluBackward0', 'Log1pBackward0', 'LogBackward0', 'LogSoftmaxBackward0',
  'NegBackward0', 'PowBackward0', 'ReciprocalBackward0', 'ReluBackward0', 'RsqrtBackward0', 'SafeSoftmaxBackward0',
  'SigmoidBackward0', 'SiluBackward0', 'SinBackward0', 'SoftmaxBackward0', 'SqrtBackward0', 'SubBackward1',
  'TanhBackward0', 'ToCopyBackward0'
]);
/** Elementwise ops of two tensors: the output has their broadcast shape. */
const BROADCAST = new Set([
  'AddBackward0', 'SubBackward0', 'MulBackward0', 'DivBackward0', 'PowBackward1', 'MaximumBackward0', 'MinimumBackward0'
]);
/** Reductions over every element (no `dim`): a scalar. */
const WHOLE_REDUCTION = new Set(['SumBackward0', 'MeanBackward0', 'MaxBackward1', 'MinBackward1', 'NormBackward0']);

/** A snapshot's shapes, worked out once however often its model is opened or closed. */
const worked = new WeakMap<GraphSnapshot, Map<GraphEdge, Shape>>();

/** By edge: the shape it carries, for the edges whose shape is known. */
export function edgeShapes(snapshot: GraphSnapshot, index: GraphIndex): Map<GraphEdge, Shape> {
  const cached = worked.get(snapshot);
  if (cached !== undefined) return cached;
  const outputs = new Map<string, Shape>();
  const inputs = new Map<string, Shape>();
  const edgesFrom = new Map<string, GraphEdge[]>();
  const edgesInto = new Map<string, GraphEdge[]>();
  for (const edge of snapshot.edges) {
    if (index.nodes.get(edge.target)?.kind !== 'tensor') push(edgesInto, slot(edge.target, edge.input), edge);
    push(edgesFrom, slot(edge.source, edge.output_nr), edge);
  }
  // Each shape learned once, then passed on to what it decides: one visit per slot, however deep the graph.
  const learned: [kind: 'output' | 'input', node: string, at: number][] = [];
  const learn = (kind: 'output' | 'input', node: string, at: number, shape: Shape | null): void => {
    const table = kind === 'output' ? outputs : inputs;
    if (shape === null || table.has(slot(node, at))) return;
    table.set(slot(node, at), shape);
    learned.push([kind, node, at]);
  };
  for (const node of snapshot.nodes) {
    if (node.kind === 'leaf' && node.tensor) learn('output', node.id, 0, known(node.tensor.shape));
    learn('output', node.id, 0, savedShape(node.saved_tensors.result));
    for (const [at, shape] of savedInputs(node)) learn('input', node.id, at, shape);
  }
  for (const edge of snapshot.edges) {
    const target = index.nodes.get(edge.target);
    if (target?.kind === 'tensor' && target.tensor) learn('output', edge.source, edge.output_nr, known(target.tensor.shape));
  }
  while (learned.length > 0) {
    const [kind, id, at] = learned.pop()!;
    const shape = (kind === 'output' ? outputs : inputs).get(slot(id, at))!;
    const op = index.nodes.get(id)?.op ?? null;
    if (kind === 'output') {
      for (const edge of edgesFrom.get(slot(id, at)) ?? []) learn('input', edge.target, edge.input, shape);
      if (at === 0 && op !== null && SAME_SHAPE.has(op)) learn('input', id, 0, shape);
    } else {
      for (const edge of edgesInto.get(slot(id, at)) ?? []) learn('output', edge.source, edge.output_nr, shape);
      if (op !== null) learn('output', id, 0, outputOf(op, input => inputs.get(slot(id, input)) ?? null));
    }
  }
  const shapes = new Map<GraphEdge, Shape>();
  for (const edge of snapshot.edges) {
    const shape = outputs.get(slot(edge.source, edge.output_nr));
    if (shape !== undefined) shapes.set(edge, shape);
  }
  worked.set(snapshot, shapes);
  return shapes;
}

/** The output's shape where the op and its inputs' shapes decide it. */
function outputOf(op: string, input: (at: number) => Shape | null): Shape | null {
  if (WHOLE_REDUCTION.has(op)) return [];
  if (SAME_SHAPE.has(op)) return input(0);
  const [first, second] = [input(0), input(1)];
  if (BROADCAST.has(op)) return first !== null && second !== null ? broadcast(first, second) : null;
  if (op === 'MvBackward0') return first?.length === 2 ? [first[0]] : null;
  if (op === 'TBackward0') return first === null ? null : [...first].reverse();
  if (op === 'MmBackward0') return first?.length === 2 && second?.length === 2 ? [first[0], second[1]] : null;
  if (op === 'AddmmBackward0') {
    const [mat1, mat2] = [second, input(2)];
    return mat1?.length === 2 && mat2?.length === 2 ? [mat1[0], mat2[1]] : null;
  }
  if (op === 'DotBackward0') return [];
  return null;
}

function broadcast(a: Shape, b: Shape): Shape | null {
  const length = Math.max(a.length, b.length);
  const shape: Shape = [];
  for (let at = 1; at <= length; at++) {
    const [x, y] = [a[a.length - at] ?? 1, b[b.length - at] ?? 1];
    if (x !== y && x !== 1 && y !== 1) return null;
    shape.unshift(x === 1 ? y : x);
  }
  return shape;
}

/** The inputs an op saved, or saved the size of, by input index. */
function savedInputs(node: GraphNode): [number, Shape][] {
  if (node.op === null) return [];
  const names = INPUT_NAMES[node.op] ?? USUAL_INPUT_NAMES;
  const found: [number, Shape][] = [];
  for (const [name, at] of Object.entries(names)) {
    const shape = savedShape(node.saved_tensors[name]) ?? sizes(node.saved_values[`${name}_sym_sizes`]);
    if (shape !== null) found.push([at, shape]);
  }
  return found;
}

function savedShape(saved: SavedTensor | undefined): Shape | null {
  return saved?.kind === 'tensor' && saved.shape !== null ? known(saved.shape) : null;
}

/** A saved list of sizes, when every size is a plain number. */
function sizes(value: unknown): Shape | null {
  return Array.isArray(value) && value.every(size => typeof size === 'number') ? value : null;
}

/** The shape when every size is known: not ragged, and not cut by the kernel (past 1,024 dims). */
function known(sent: SentShape): Shape | null {
  const shape = wholeDims(sent);
  return shape !== null && shape.every(size => size !== null) ? shape : null;
}

function push<K, V>(table: Map<K, V[]>, key: K, value: V): void {
  const list = table.get(key);
  if (list === undefined) table.set(key, [value]);
  else list.push(value);
}

function slot(node: string, at: number): string {
  return `${node}:${at}`;
}
