/** How snapshot fields read in the card: plain strings, no DOM. */

import type { TensorSnapshot } from './schema';

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

/** `[20, 20]`, `[]` for a scalar; a ragged nested dimension shows as `*`. */
export function formatShape(shape: (number | null)[]): string {
  return `[${shape.map(size => (size === null ? '*' : String(size))).join(', ')}]`;
}

/** Python's spelling, since learners compare it with what `print` shows. */
export function formatBool(value: boolean): string {
  return value ? 'True' : 'False';
}

export function cardGroups(snapshot: TensorSnapshot): CardGroup[] {
  return [
    {
      title: 'Tensor',
      fields: [
        { label: 'shape', value: formatShape(snapshot.shape), hint: shapeHint(snapshot.shape) },
        { label: 'dtype', value: snapshot.dtype },
        { label: 'device', value: snapshot.device }
      ]
    },
    {
      title: 'Autograd',
      fields: [
        { label: 'requires_grad', value: formatBool(snapshot.requires_grad) },
        {
          label: 'grad_fn',
          value: snapshot.grad_fn ?? 'None',
          hint: snapshot.grad_fn === null ? undefined : 'the operation that made it'
        },
        { label: 'is_leaf', value: formatBool(snapshot.is_leaf), hint: leafHint(snapshot) },
        { label: 'grad', value: gradValue(snapshot), hint: gradHint(snapshot) }
      ]
    }
  ];
}

function shapeHint(shape: (number | null)[]): string | undefined {
  return shape.length === 0 ? 'a scalar: no dimensions' : undefined;
}

function leafHint(snapshot: TensorSnapshot): string | undefined {
  if (!snapshot.requires_grad) return undefined;
  return snapshot.is_leaf
    ? 'created by you, not by an operation: backward() fills its .grad'
    : 'made by an operation on tensors that require grad';
}

function gradValue(snapshot: TensorSnapshot): string {
  const grad = snapshot.grad;
  return grad === null ? 'None' : `tensor${formatShape(grad.shape)} ${grad.dtype}`;
}

function gradHint(snapshot: TensorSnapshot): string | undefined {
  if (snapshot.grad !== null || !snapshot.requires_grad) return undefined;
  return snapshot.is_leaf
    ? 'filled when backward() runs through this tensor'
    : 'kept only for leaves, unless you call .retain_grad()';
}
