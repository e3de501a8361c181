/**
 * A big graph's gradients record as it grows with the parts of the graph the page loads: the
 * kernel sends the records of the nodes it sent first (graph/wire.py's sent_gradients), and
 * each graph part brings its nodes' records. Works on the record as it came over the wire,
 * before parseGradients reads it. Pure data, no DOM.
 */

import { readNumber } from './record';
import type { PartGradients } from '../schema';

type RawRecord = Record<string, unknown>;

/** The record with the part's records merged in, in the order autograd ran them; as it was without a record. */
export function withPartGradients(recorded: unknown, part: PartGradients | undefined): unknown {
  if (part === undefined || recorded === null || typeof recorded !== 'object' || Object.keys(recorded).length === 0) return recorded;
  const raw = recorded as RawRecord;
  const nodes: Record<string, RawRecord> = { ...(raw.nodes as Record<string, RawRecord>), ...(part.nodes as Record<string, RawRecord>) };
  for (const back of part.leaving) {
    const record = nodes[back.node];
    if (record === undefined || !Array.isArray(record.leaving)) continue;
    const leaving: unknown[] = [...(record.leaving as unknown[])];
    leaving[back.input] = back.gradient;
    nodes[back.node] = { ...record, leaving };
  }
  const step = (id: string): number => readNumber(nodes[id]?.step) ?? Infinity;
  const order = [...new Set([...(raw.order as string[]), ...Object.keys(part.nodes)])].sort((a, b) => step(a) - step(b));
  const parameters = mergedParameters(raw.parameters as RawRecord[], part.parameters as RawRecord[]);
  return { ...raw, nodes, order, parameters };
}

/** The leaves of both, each once, largest gradient norm first (none last), as the kernel orders them. */
function mergedParameters(had: RawRecord[], more: RawRecord[]): RawRecord[] {
  const known = new Set(had.map(leaf => leaf.node));
  const norm = (leaf: RawRecord): number => readNumber(leaf.norm) ?? -Infinity;
  return [...had, ...more.filter(leaf => !known.has(leaf.node))].sort((a, b) => norm(b) - norm(a));
}
