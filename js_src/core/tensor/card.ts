/** How snapshot fields read in the tensor card: plain strings, no DOM. */

import { formatBool, formatBytes, formatShape, formatStrides, formatTuple, isCut, wholeDims } from '../format';
import type { Shape, TensorSnapshot } from '../schema';

export interface CardField {
  label: string;
  value: string;
  /** A sentence for learners, shown beside the value. */
  hint?: string;
}

export interface CardGroup {
  title: string;
  fields: CardField[];
}

export function cardGroups(snapshot: TensorSnapshot): CardGroup[] {
  return [
    { title: 'Tensor', fields: present(tensorFields(snapshot)) },
    { title: 'Memory', fields: present(memoryFields(snapshot)) },
    { title: 'Autograd', fields: present(autogradFields(snapshot)) }
  ].filter(group => group.fields.length > 0);
}

type MaybeField = CardField | null;

function present(fields: MaybeField[]): CardField[] {
  return fields.filter((field): field is CardField => field !== null);
}

function tensorFields(s: TensorSnapshot): MaybeField[] {
  return [
    { label: 'shape', value: formatShape(s.shape), hint: shapeHint(s.shape) },
    { label: 'dtype', value: s.dtype },
    { label: 'device', value: s.device, hint: s.device === 'meta' ? 'shape and dtype only: no values are stored' : undefined },
    s.layout === 'strided' ? null : { label: 'layout', value: s.layout, hint: layoutHint(s.layout) },
    s.numel === null ? null : { label: 'numel', value: s.numel.toLocaleString('en-US') },
    s.type === 'torch.Tensor' ? null : { label: 'type', value: s.type, hint: s.is_parameter ? 'a Parameter: a module trains it' : undefined },
    s.names === null ? null : { label: 'names', value: formatTuple(s.names.map(n => n ?? 'None')) },
    s.quantization === null ? null : { label: 'quantization', value: formatQuantization(s.quantization) }
  ];
}

function memoryFields(s: TensorSnapshot): MaybeField[] {
  return [
    s.strides === null ? null : { label: 'strides', value: formatStrides(s.strides), hint: strideHint(wholeDims(s.strides)) },
    s.storage_offset === null || s.storage_offset === 0 ? null : { label: 'storage_offset', value: String(s.storage_offset) },
    s.is_contiguous === null ? null : { label: 'is_contiguous', value: formatBool(s.is_contiguous), hint: contiguityHint(s) },
    s.nbytes === null ? null : { label: 'bytes', value: formatBytes(s.nbytes), hint: `${s.element_size} B per element` },
    storedField(s),
    s.base === null ? null : { label: 'view of', value: `tensor${formatShape(s.base.shape)} ${s.base.dtype}`, hint: 'shares its memory: writing to one changes the other' },
    s.version === null ? null : { label: '_version', value: String(s.version), hint: 'counts in-place changes' }
  ];
}

/**
 * What an expanded or overlapping view really holds: `stored 16 B`, beside the logical 48 B,
 * with the element counts a learner compares ("12 elements, 4 stored").
 */
function storedField(s: TensorSnapshot): MaybeField {
  const stored = s.stored_nbytes;
  if (stored === undefined || stored === null || s.nbytes === null || s.numel === null || stored >= s.nbytes) return null;
  const elements = s.element_size > 0 ? stored / s.element_size : 0;
  const shown = s.numel.toLocaleString('en-US');
  return {
    label: 'stored',
    value: formatBytes(stored),
    hint: `${shown} elements, only ${elements.toLocaleString('en-US')} stored: the others repeat them in memory`
  };
}

function autogradFields(s: TensorSnapshot): MaybeField[] {
  return [
    { label: 'requires_grad', value: formatBool(s.requires_grad) },
    { label: 'grad_fn', value: s.grad_fn ?? 'None', hint: s.grad_fn === null ? undefined : 'the operation that made it' },
    { label: 'is_leaf', value: formatBool(s.is_leaf), hint: leafHint(s) },
    s.is_leaf ? null : { label: 'retains_grad', value: formatBool(s.retains_grad) },
    { label: 'grad', value: gradValue(s), hint: gradHint(s) }
  ];
}

function shapeHint(shape: Shape): string | undefined {
  if (isCut(shape)) return 'more dimensions than the page lists: the first and last are shown';
  if (shape.length === 0) return 'a scalar: no dimensions';
  if (shape.includes(null)) return '* marks a ragged dimension: its size differs per component';
  return undefined;
}

function layoutHint(layout: string): string | undefined {
  if (layout.startsWith('sparse')) return 'stores only its nonzero elements';
  if (layout === 'jagged') return 'a nested tensor: components of different lengths';
  return undefined;
}

function strideHint(strides: number[] | null): string | undefined {
  return strides?.includes(0)
    ? 'a stride of 0 repeats one element: this tensor is expanded, it stores less than it shows'
    : undefined;
}

function contiguityHint(s: TensorSnapshot): string | undefined {
  if (s.is_contiguous !== false) return undefined;
  if (s.memory_format === 'channels_last' || s.memory_format === 'channels_last_3d') {
    return `laid out ${s.memory_format} (channels innermost)`;
  }
  return 'elements are not stored row after row; .contiguous() makes a copy that is';
}

function formatQuantization(q: Record<string, unknown>): string {
  return Object.entries(q)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

function leafHint(s: TensorSnapshot): string | undefined {
  if (!s.requires_grad) return undefined;
  return s.is_leaf
    ? 'created by you, not by an operation: backward() fills its .grad'
    : 'made by an operation on tensors that require grad';
}

function gradValue(s: TensorSnapshot): string {
  const grad = s.grad;
  return grad === null ? 'None' : `tensor${formatShape(grad.shape)} ${grad.dtype}`;
}

function gradHint(s: TensorSnapshot): string | undefined {
  if (s.grad !== null || !s.requires_grad) return undefined;
  return s.is_leaf
    ? 'filled when backward() runs through this tensor'
    : 'kept only for leaves, unless you call .retain_grad()';
}
