/**
 * The units of a big graph's repeats that the kernel left out of the graph it sent first
 * (graph/wire.py): which of them opening a folded box needs, and the graph and its folded
 * groups once the kernel sent them. Pure data, no DOM.
 */

import { formatCount } from '../format';
import { allUnits, elidedFrom, opensWhole, type FoldGroup } from './folding';
import type { GraphPartRequest } from '../protocol';
import type { ElidedUnits, GraphPart, GraphRepeat, GraphSnapshot } from '../schema';

/** Opening one step asks for this many units at once, so that the next steps need no request. */
const STEP_UNITS = 16;
/** Opening every unit asks for about this many nodes at most; what is left stays folded. */
const ALL_NODES = 2_000;

/**
 * What opening the group needs from the kernel first: the unit it shows (a step), or the first
 * run of units still elided (all); null when it has them.
 */
export function partToOpen(group: FoldGroup, all: boolean): GraphPartRequest | null {
  if (group.source === undefined) return null;
  const { repeat, count, offset } = group.source;
  const runs = elidedFrom(group, 0).sort((a, b) => a.units[0] - b.units[0]);
  // A span or a node's inputs open whole (see openGroup): the first run left out is what they need.
  const whole = all || opensWhole(group);
  const run = whole ? runs[0] : runs.find(found => found.units[0] <= offset && offset < found.units[1]);
  if (run === undefined) return null;
  const [low, high] = run.units;
  const start = Math.max(low, offset);
  const perUnit = Math.max(1, run.nodes / (high - low));
  const wanted = whole ? Math.max(1, Math.floor(ALL_NODES / perUnit)) : STEP_UNITS;
  return { repeat, count, stretch: [low, high], units: [start, Math.min(high, start + wanted)] };
}

/** What the page says while it waits for `request`, `came` units of those `asked` for having come: that more are coming. */
export function askingText(asked: GraphPartRequest, request: GraphPartRequest, came: number): string {
  const units = `units ${formatCount(request.units[0] + 1)} to ${formatCount(request.units[1])} of ${formatCount(request.count)}`;
  const wanted = asked.units[1] - asked.units[0];
  return came === 0 ? `asking the kernel for ${units}…` : `${formatCount(came)} of the ${formatCount(wanted)} units asked for came; asking the kernel for the rest, ${units}…`;
}

/** How many pairs the kernel left out of the links it listed for the runs still folded (`links_left`): drawn once they open. */
export function linksLeft(groups: FoldGroup[]): number {
  return groups.reduce((sum, group) => (group.elided ?? []).reduce((runs, run) => runs + (run.links_left ?? 0), sum), 0);
}

/** The status line's words for the links not drawn (linksLeft): what is missing now, and what brings it; '' where none is. */
export function linksLeftText(groups: FoldGroup[]): string {
  const left = linksLeft(groups);
  if (left === 0) return '';
  return `${formatCount(left)} more ${left === 1 ? 'link' : 'links'} to or from folded boxes ${left === 1 ? 'is' : 'are'} not drawn until you open them`;
}

/**
 * Every part the kernel sends for `asked`, each with the request it answers: an answer is
 * bounded (graph/wire.py), so where the units asked for did not fit it brings the first of them
 * and leaves the rest in a run after them, which is asked for in turn until every unit came.
 * `asking` hears each request before it goes, with how many units came before it.
 */
export async function askedParts(
  ask: (request: GraphPartRequest) => Promise<GraphPart>, asked: GraphPartRequest, asking: (request: GraphPartRequest, came: number) => void = () => {}
): Promise<{ part: GraphPart; asked: GraphPartRequest }[]> {
  const answers = [];
  let came = 0;
  for (let request: GraphPartRequest | null = asked; request !== null; ) {
    asking(request, came);
    const part = await wholePart(ask, request);
    came += part.units.length;
    answers.push({ part, asked: request });
    const next: number = request.units[0] + part.units.length;
    const rest = part.units.length === 0 ? undefined : part.elided.find(run => run.units[0] === next);
    request = next < request.units[1] && rest !== undefined ? { ...request, stretch: rest.units, units: [next, request.units[1]] } : null;
  }
  return answers;
}

/**
 * The part the kernel sends for `asked`, whole: an answer is bounded (graph/wire.py), so where one
 * unit's edges did not fit (a stack of thousands of tensors) it says how many are left, and they
 * are asked for again, from the first not yet sent, until none is left.
 */
export async function wholePart(ask: (request: GraphPartRequest) => Promise<GraphPart>, asked: GraphPartRequest): Promise<GraphPart> {
  const first = await ask(asked);
  const units: [number, number] = [asked.units[0], asked.units[0] + first.units.length];
  const edges = [...first.edges];
  const leaving = [...(first.gradients?.leaving ?? [])];
  for (let left = first.edges_left ?? 0; left > 0; ) {
    const more = await ask({ ...asked, units, edges: edges.length });
    if (more.edges.length === 0) break; // the kernel sent nothing more: ask no more
    edges.push(...more.edges);
    leaving.push(...(more.gradients?.leaving ?? []));
    left = more.edges_left ?? 0;
  }
  const part: GraphPart = { ...first, edges, ...(first.gradients ? { gradients: { ...first.gradients, leaving } } : {}) };
  delete part.edges_left;
  return part;
}

/** The snapshot with the part's nodes and edges, and its repeat's units, runs, modules and memory, merged in. */
export function mergePart(snapshot: GraphSnapshot, part: GraphPart, asked: GraphPartRequest): GraphSnapshot {
  const known = new Set(snapshot.nodes.map(node => node.id));
  const nodes = [...snapshot.nodes, ...part.nodes.filter(node => !known.has(node.id))];
  nodes.forEach(node => known.add(node.id));
  const key = (edge: GraphSnapshot['edges'][number]) => `${edge.source}\u0000${edge.target}\u0000${edge.input}`;
  const present = new Set(snapshot.edges.map(key));
  const edges = [...snapshot.edges];
  for (const edge of part.edges) {
    if (known.has(edge.source) && known.has(edge.target) && !present.has(key(edge))) {
      present.add(key(edge));
      edges.push(edge);
    }
  }
  const merged: GraphSnapshot = { ...snapshot, nodes, edges };
  if (snapshot.folding !== undefined) {
    const repeats = snapshot.folding.repeats.map(repeat => (repeat.units[0][0] === part.repeat ? withUnits(repeat, part, asked) : repeat));
    const inferred = snapshot.folding.inferred_modules;
    merged.folding = { ...snapshot.folding, repeats, ...(inferred ? { inferred_modules: { ...inferred, ...part.inferred_modules } } : {}) };
  }
  if (snapshot.memory !== undefined) {
    merged.memory = { ...snapshot.memory, held_by_node: { ...snapshot.memory.held_by_node, ...part.held_by_node } };
  }
  return merged;
}

/** The repeat as the kernel would have sent it with these units too. */
function withUnits(repeat: GraphRepeat, part: GraphPart, asked: GraphPartRequest): GraphRepeat {
  const units = allUnits(repeat.units, repeat.elided ?? []);
  part.units.forEach((unit, at) => (units[asked.units[0] + at] = unit));
  const elided = runsAfter(repeat.elided ?? [], part, asked);
  const left = new Set(elided.flatMap(run => range(run.units[0], run.units[1])));
  return { ...repeat, units: units.filter((_, at) => !left.has(at)), elided };
}

/** The groups of the part's repeat with its units in their places, and the runs left around them. */
export function fillGroups(groups: FoldGroup[], part: GraphPart, asked: GraphPartRequest): FoldGroup[] {
  return groups.map(group => {
    if (group.source?.repeat !== part.repeat) return group;
    const units = [...group.units];
    part.units.forEach((unit, at) => {
      const local = asked.units[0] + at - group.source!.offset;
      if (local >= 0 && local < units.length) units[local] = unit;
    });
    return { ...group, units, elided: runsAfter(group.elided ?? [], part, asked) };
  });
}

function runsAfter(runs: ElidedUnits[], part: GraphPart, asked: GraphPartRequest): ElidedUnits[] {
  const [low, high] = asked.stretch;
  const split = runs.some(run => run.units[0] === low && run.units[1] === high);
  return split ? [...runs.filter(run => run.units[0] !== low || run.units[1] !== high), ...part.elided] : runs;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, at) => start + at);
}
