/**
 * Reading a `torchinspect.gradients/1` record: accepting it from the wire, and finding the
 * gradient an edge carries and the one arriving at a node. Pure data, no DOM.
 *
 * JSON has no NaN or Infinity: the kernel spells them as text ("nan", "inf", "-inf") in a
 * gradient's values, and measures norm, min, max and rms over the finite values (null
 * when there is none), with counts of the rest. Every number is read back into a JS number
 * here, once, so the views never meet a string where a number belongs; `magnitude` then says
 * how large a gradient is for the colours, NaN and Inf included.
 */

import type { GraphIndex } from '../graph/folding';
import {
  GRADIENTS_SCHEMA,
  type GradientFlag,
  type GradientFlagKind,
  type GradientSummary,
  type GradientsSnapshot,
  type GraphEdge,
  type NodeGradients,
  type ParameterGradient
} from '../schema';

const SPELLED: Record<string, number> = {
  nan: NaN, '+nan': NaN, '-nan': NaN,
  inf: Infinity, '+inf': Infinity, infinity: Infinity, '+infinity': Infinity,
  '-inf': -Infinity, '-infinity': -Infinity
};

/** A number however it was spelled: 1.5, "1.5", "nan", "-Infinity"; null where it is none. */
export function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const spelled = SPELLED[value.trim().toLowerCase()];
  if (spelled !== undefined) return spelled;
  const parsed = Number(value);
  return value.trim() !== '' && !Number.isNaN(parsed) ? parsed : null;
}

/**
 * The record, or null when none was made yet (no backward since the inspector was made,
 * which the kernel sends as an empty object). Throws an Error that says what arrived when it
 * is not a gradients record of this version.
 */
export function parseGradients(data: unknown): GradientsSnapshot | null {
  if (data === undefined || data === null) return null;
  if (typeof data !== 'object') throw new Error(`torchinspect: expected recorded gradients, got ${typeof data}.`);
  if (Object.keys(data).length === 0) return null;
  const raw = data as Record<string, unknown>;
  if (raw.schema !== GRADIENTS_SCHEMA) {
    const got = typeof raw.schema === 'string' ? `"${raw.schema}"` : 'no schema';
    throw new Error(
      `torchinspect: this view reads "${GRADIENTS_SCHEMA}" gradients, got ${got}. ` +
        'Upgrade torchinspect, or run backward() again with the version that draws them.'
    );
  }
  const nodes: Record<string, NodeGradients> = {};
  for (const [id, node] of Object.entries(objectOr(raw.nodes))) nodes[id] = readNode(node);
  return {
    schema: GRADIENTS_SCHEMA,
    passes: readNumber(raw.passes) ?? 0,
    complete: raw.complete !== false,
    order: listOr(raw.order).filter((id): id is string => typeof id === 'string'),
    ...(typeof raw.steps === 'number' ? { steps: raw.steps } : {}),
    nodes,
    parameters: listOr(raw.parameters).map(readParameter),
    flags: listOr(raw.flags).map(readFlag)
  };
}

/** How many steps the pass ran in all, the steps of nodes left out of the graph sent included. */
export function stepCount(gradients: GradientsSnapshot): number {
  return gradients.steps ?? gradients.order.length;
}

/**
 * The gradient an edge carries backward: what its target sent to that input, or, on the edge
 * from the root op to a root tensor, the gradient that arrived at the op for that output.
 */
export function edgeGradient(gradients: GradientsSnapshot, index: GraphIndex, edge: GraphEdge): GradientSummary | null {
  if (index.nodes.get(edge.target)?.kind === 'tensor') {
    return gradients.nodes[edge.source]?.arriving[edge.output_nr] ?? null;
  }
  return gradients.nodes[edge.target]?.leaving[edge.input] ?? null;
}

/**
 * How large a gradient is, as the colours and bars show it: NaN when it holds a NaN, +Inf when
 * it holds an Inf (a norm of the finite values would hide them), else its norm; null when
 * there is no gradient, or nothing in it could be measured.
 */
export function magnitude(grad: GradientSummary | null): number | null {
  if (grad === null) return null;
  if (grad.nan > 0) return NaN;
  if (grad.posinf + grad.neginf > 0) return Infinity;
  return grad.norm;
}

/**
 * The magnitude of everything that arrived at an op or leaf: of its outputs' gradients taken
 * as one tensor (a single output's own); null for a node that received none.
 */
export function arrivingNorm(gradients: GradientsSnapshot, id: string): number | null {
  const cut = gradients.nodes[id]?.arrivingMagnitude;
  if (cut !== undefined) return cut;
  const sizes = (gradients.nodes[id]?.arriving ?? []).map(magnitude).filter((size): size is number => size !== null);
  return sizes.length === 0 ? null : Math.hypot(...sizes);
}

function readNode(data: unknown): NodeGradients {
  const node = objectOr(data);
  const long = objectOr(node.long);
  const read: NodeGradients = {
    step: readNumber(node.step) ?? -1,
    arriving: lengthened(listOr(node.arriving).map(readSummary), long.arriving),
    leaving: lengthened(listOr(node.leaving).map(readSummary), long.leaving)
  };
  const magnitude = objectOr(objectOr(long.arriving).magnitude);
  if (Object.keys(magnitude).length === 0) return read;
  const norm = (readNumber(magnitude.inf) ?? 0) > 0 ? Infinity : (readNumber(magnitude.nan) ?? 0) > 0 ? NaN : readNumber(magnitude.norm);
  return { ...read, arrivingMagnitude: norm };
}

/**
 * A list the kernel cut to its first entries (graph/long_records.py) at its whole length: the
 * entries it sent past them (those of the edges drawn) in their places, null elsewhere.
 */
function lengthened(entries: (GradientSummary | null)[], cut: unknown): (GradientSummary | null)[] {
  if (cut === undefined) return entries;
  const { length, at } = objectOr(cut);
  const whole = Array.from({ length: Math.max(entries.length, readNumber(length) ?? 0) }, (_, index) => entries[index] ?? null);
  for (const [index, entry] of Object.entries(objectOr(at))) whole[Number(index)] = readSummary(entry);
  return whole;
}

function readSummary(data: unknown): GradientSummary | null {
  if (data === null || typeof data !== 'object') return null;
  const grad = data as Record<string, unknown>;
  const count = (value: unknown): number => readNumber(value) ?? 0;
  const values = Array.isArray(grad.values) ? grad.values.map(value => readNumber(value) ?? NaN) : null;
  return {
    shape: readShape(grad.shape),
    dtype: typeof grad.dtype === 'string' ? grad.dtype : '?',
    numel: count(grad.numel),
    of: typeof grad.of === 'string' ? grad.of : 'values',
    norm: readNumber(grad.norm),
    min: readNumber(grad.min),
    max: readNumber(grad.max),
    rms: readNumber(grad.rms),
    nan: count(grad.nan),
    posinf: count(grad.posinf),
    neginf: count(grad.neginf),
    values
  };
}

/** A gradient's sizes, or the cut list the kernel sends past 1,024 dimensions (tensor/long_shapes.py). */
function readShape(data: unknown): GradientSummary['shape'] {
  const sizes = (list: unknown) => listOr(list).map(size => readNumber(size) ?? 0);
  if (Array.isArray(data) || typeof data !== 'object' || data === null) return sizes(data);
  const cut = objectOr(data);
  return { length: readNumber(cut.length) ?? 0, head: sizes(cut.head), tail: sizes(cut.tail) };
}

function readParameter(data: unknown): ParameterGradient {
  const parameter = objectOr(data);
  return {
    node: textOr(parameter.node),
    name: typeof parameter.name === 'string' ? parameter.name : null,
    norm: readNumber(parameter.norm)
  };
}

function readFlag(data: unknown): GradientFlag {
  const flag = objectOr(data);
  // A kind this version does not know still shows its message; only the known ones are drawn specially.
  const kind = textOr(flag.kind) as GradientFlagKind;
  return { kind, node: textOr(flag.node), message: textOr(flag.message) };
}

/** A field as text: a string as it is, the empty string when absent, anything else as its JSON. */
function textOr(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

function objectOr(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function listOr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
