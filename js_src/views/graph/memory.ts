/**
 * The memory line under the graph: the sentence of what the graph holds for backward, opening to
 * its largest parts (alike modules together, or op classes), each with its bytes and share.
 */

import { formatBytes } from '../../core/format';
import type { GraphMemory } from '../../core/graph/memory';
import { element } from '../dom';

/** Parts listed under the sentence, largest first. */
const LISTED_PARTS = 8;

export function showMemory(line: HTMLDetailsElement, memory: GraphMemory | null): void {
  line.hidden = memory === null;
  if (memory === null) return line.replaceChildren();
  const list = element('ol', 'torchinspect-graph-memory-parts');
  for (const part of memory.largest.slice(0, LISTED_PARTS)) {
    const share = `${formatBytes(part.nbytes)} · ${Math.round(part.share * 100)}%`;
    list.append(element('li', 'torchinspect-graph-memory-part', `${part.what}: ${share}`));
  }
  line.replaceChildren(element('summary', 'torchinspect-graph-memory-sentence', memory.sentence), list);
}
