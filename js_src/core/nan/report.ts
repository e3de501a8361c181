/**
 * The report of `torchinspect.find_nan` (`torchinspect.nan/1`), read for drawing: where the first
 * NaN or Inf began, the op's tensors, and the backward graph with the origin's node. No DOM.
 */

import type { GraphSnapshot, TensorSnapshot } from '../schema';

export const NAN_SCHEMA = 'torchinspect.nan/1';
/** The MIME type under which a saved output carries the report. */
export const NAN_MIME_TYPE = 'application/vnd.torchinspect.nan+json';

/** A piece of the sentence: code parts are the program's own names (an op, a module, a line). */
export type SentencePart = [text: string, isCode: boolean];

export interface NanFrame {
  file: string;
  line: number;
  function: string;
  source: string;
  /** `train.py:41`. */
  where: string;
}

/** One argument of the op: a tensor (with its snapshot) or a number. */
export interface NanOperand {
  /** The argument's name in the op's schema: `self`, `other`. */
  name: string;
  /** The user's name for it, where the program has one. */
  label: string | null;
  snapshot: TensorSnapshot | null;
  /** Its value at the first non-finite element of the output; null where it does not broadcast there. */
  value: number | string | null;
}

export interface NanReport {
  schema: typeof NAN_SCHEMA;
  found: boolean;
  checked_ops: number;
  sentence: string;
  sentence_parts: SentencePart[];
  phase?: 'forward' | 'backward';
  source?: 'op' | 'input';
  op?: string;
  /** In backward, the op of the backward formula that made the value (`div` in sqrt's backward). */
  backward_op?: string | null;
  kind?: 'nan' | '+inf' | '-inf';
  module?: string | null;
  module_class?: string | null;
  frame?: NanFrame | null;
  index?: number[];
  inputs?: NanOperand[];
  output?: { snapshot: TensorSnapshot; value: number | string | null };
  graph?: GraphSnapshot | null;
  /** The graph node where the value began, ringed in the graph. */
  origin_node?: string | null;
}

/** `data` when it is a report; otherwise an Error that says what arrived and what to do. */
export function parseNanReport(data: unknown): NanReport {
  const tag = typeof data === 'object' && data !== null ? (data as { schema?: unknown }).schema : undefined;
  if (tag !== NAN_SCHEMA) {
    throw new Error(`torchinspect: expected a find_nan report (${NAN_SCHEMA}), got ${typeof tag === 'string' ? tag : typeof data}. Install the torchinspect version that made it.`);
  }
  return data as NanReport;
}

/** The caption of one of the op's tensors: `input self (x) · at [1, 3]: -0.37`. */
export function operandCaption(role: string, name: string, label: string | null, index: number[] | undefined, value: number | string | null): string {
  const named = label !== null && label !== name ? `${role} ${name} (${label})` : `${role} ${name}`;
  if (index === undefined || value === null) return named;
  const shown = typeof value === 'number' ? formatValue(value) : value;
  return `${named} · at [${index.join(', ')}]: ${shown}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
