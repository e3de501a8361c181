/**
 * What a graph holds in memory for backward, read from the snapshot's `memory` (the kernel counts
 * each saved storage once, at the first node that saves it; graph/memory.py): the whole, each
 * module's part (recorded or inferred), and the parts of alike modules together (`layers.*.
 * self_attn`), largest first, for the sentence the view shows. Pure data, no DOM.
 */

import { formatBytes } from '../format';
import type { GraphSnapshot } from '../schema';
import type { ModuleTree } from './modules';

export interface MemoryPart {
  /** A module path, alike modules starred (`layers.*.self_attn`), or an op class where no module is known. */
  what: string;
  nbytes: number;
  /** Its part of the whole, from 0 to 1. */
  share: number;
}

export interface GraphMemory {
  total: number;
  /** Bytes by module path (each module with the modules inside it). */
  byModule: Map<string, number>;
  /** Alike modules together, or op classes where the graph has no modules: largest first. */
  largest: MemoryPart[];
  /** `this graph holds 49.6 MB for backward; 42% in layers.*.self_attn`. */
  sentence: string;
}

/** A module that holds more than this of the whole says little (`layers`, `layers.*` of a stack of layers). */
const TOO_WIDE = 0.9;
/** A part is named in the sentence from this share on. */
const WORTH_NAMING = 0.2;

export function graphMemory(snapshot: GraphSnapshot, modules: ModuleTree): GraphMemory | null {
  const memory = snapshot.memory;
  if (memory === undefined) return null;
  const total = memory.held_nbytes;
  const byModule = new Map<string, number>();
  const byPart = new Map<string, number>();
  const nodes = new Map(snapshot.nodes.map(node => [node.id, node]));
  for (const [id, nbytes] of Object.entries(memory.held_by_node)) {
    const path = modules.groupOf.get(id);
    if (path === undefined) {
      if (modules.groups.size === 0) add(byPart, nodes.get(id)?.op ?? id, nbytes);
      continue;
    }
    const parts = path.split('.');
    const starred = parts.map(part => (/^\d+$/.test(part) ? '*' : part));
    for (let end = 1; end <= parts.length; end++) {
      add(byModule, parts.slice(0, end).join('.'), nbytes);
      add(byPart, starred.slice(0, end).join('.'), nbytes);
    }
    // What the module saves in its own ops, beside its inner modules (a layer's activations, dropout masks).
    if (modules.groups.get(path)?.children.length) add(byPart, `${starred.join('.')} (its own ops)`, nbytes);
  }
  const largest = [...byPart]
    .map(([what, nbytes]) => ({ what, nbytes, share: total > 0 ? nbytes / total : 0 }))
    .filter(part => part.share <= TOO_WIDE || modules.groups.size === 0)
    .sort((a, b) => b.nbytes - a.nbytes);
  return { total, byModule, largest, sentence: sentenceOf(total, largest, modules.groups.size > 0) };
}

function add(totals: Map<string, number>, key: string, nbytes: number): void {
  totals.set(key, (totals.get(key) ?? 0) + nbytes);
}

function sentenceOf(total: number, largest: MemoryPart[], hasModules: boolean): string {
  const holds = `this graph holds ${formatBytes(total)} for backward`;
  const named = largest.find(part => part.share <= TOO_WIDE && part.share >= WORTH_NAMING);
  if (total === 0 || named === undefined) return holds;
  const percent = `${Math.round(named.share * 100)}%`;
  return hasModules ? `${holds}; ${percent} in ${named.what}` : `${holds}; ${percent} saved by ${named.what} nodes`;
}
