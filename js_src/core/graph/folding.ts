/**
 * Folding: finding the repetitive parts of an autograd graph that would drown the rest, so the
 * view can draw each as one box with a count. Pure data, no DOM.
 *
 * The kernel finds the repeated parts of a big graph (graph/folding.py: the layers of a
 * transformer, the blocks of a ResNet, the steps of a chain, the branches of a fan) and sends
 * them in the snapshot's `folding.repeats`; each is folded into one box `× N` that opens to one
 * unit, or to all. Where the snapshot has none, two shapes are found here: a long linear chain
 * of a repeated op pattern (`h = tanh(h * w + 1)` run 2,000 times), and a wide fan of identical
 * branches into one node (5,000 `sin → sum` into a `stack`). Graphs of 30,000 nodes are
 * routine, so every walk here is iterative and visits each node a bounded number of times.
 */

import type { ElidedUnits, ForwardSpan, GraphNode, GraphRepeat, GraphSnapshot, NodeInputs } from '../schema';

/** The graph's nodes and their distinct forward neighbours, built once per snapshot. */
export interface GraphIndex {
  nodes: Map<string, GraphNode>;
  /** The nodes whose outputs a node takes as inputs (forward predecessors). */
  inputs: Map<string, string[]>;
  /** The nodes that take a node's output (forward successors). */
  consumers: Map<string, string[]>;
}

/** A run of repeated units drawn as one box; `units` are node ids, each unit in forward order. */
export interface FoldGroup {
  id: string;
  kind: 'chain' | 'fan' | 'repeat' | 'span' | 'inputs';
  /** What one unit does, in forward order: `['mul', 'add', 'tanh']`; empty for a unit of modules. */
  pattern: string[];
  units: string[][];
  /** What one unit of modules is (`TransformerEncoderLayer`, `layers.*`), or null. */
  label: string | null;
  /** The module the group lies in, or null at the top. */
  container: string | null;
  /** The units not wired exactly like the others. */
  unlike: number[];
  /** A kernel repeat's first node and unit count, and where this group's units start among them. */
  source?: { repeat: string; count: number; offset: number };
  /**
   * The runs of units the kernel left out of the graph sent first (unit numbers among all the
   * repeat's, as `source` counts them): their places in `units` are empty until asked for.
   */
  elided?: ElidedUnits[];
  /** A span the kernel cut (see GraphRepeat's `kind`): where its units lie among the ops no repeat holds. */
  span?: ForwardSpan;
  /** The leaves one node takes by the thousand, folded by the kernel: which node, and its op. */
  inputs?: NodeInputs;
}

/** Fewer repeats than this read fine unfolded. */
const MIN_REPEATS = 4;
/** The longest repeated op pattern looked for along a chain. */
const MAX_PERIOD = 8;
/** Expanding a group shows this many units at each end and keeps the middle folded. */
const REVEALED_UNITS = 2;

export function indexGraph(snapshot: GraphSnapshot): GraphIndex {
  const nodes = new Map(snapshot.nodes.map(node => [node.id, node]));
  const inputs = new Map<string, string[]>(snapshot.nodes.map(node => [node.id, []]));
  const consumers = new Map<string, string[]>(snapshot.nodes.map(node => [node.id, []]));
  for (const edge of snapshot.edges) {
    inputs.get(edge.target)?.push(edge.source);
    consumers.get(edge.source)?.push(edge.target);
  }
  // `x * x` gives two edges between the same nodes; folding counts distinct neighbours.
  for (const lists of [inputs, consumers]) {
    for (const [id, list] of lists) if (list.length > 1) lists.set(id, [...new Set(list)]);
  }
  return { nodes, inputs, consumers };
}

/** What a node does, as a pattern reads it: the forward op, `leaf`, or `tensor`. */
export function stepName(node: GraphNode): string {
  if (node.kind === 'leaf') return 'leaf';
  return node.forward_op ?? node.op ?? 'tensor';
}

/**
 * Every chain and fan worth folding, disjoint; chains first, fans among what is left. Given
 * the module of each node (`groupOf`), a fold never spans two modules, so that it opens and
 * closes with the module around it.
 */
export function findFoldGroups(
  index: GraphIndex, groupOf: ReadonlyMap<string, string> = new Map(), repeats: GraphRepeat[] = []
): FoldGroup[] {
  const grouped = new Set<string>();
  const found = repeats.map(repeat => repeatGroup(repeat, grouped));
  const chains = linearChains(index, groupOf).flatMap(chain => repeatedRuns(index, chain, grouped, groupOf));
  return [...found, ...chains, ...identicalFans(index, grouped, groupOf)];
}

function repeatGroup(repeat: GraphRepeat, grouped: Set<string>): FoldGroup {
  repeat.units.forEach(unit => unit.forEach(id => grouped.add(id)));
  const kind = repeat.kind ?? 'repeat';
  const group: FoldGroup = {
    id: `${kind}:${repeat.units[0][0]}`, kind, pattern: repeat.pattern ?? [], units: repeat.units,
    label: repeat.label, container: repeat.container, unlike: repeat.unlike, ...(repeat.span ? { span: repeat.span } : {}),
    ...(repeat.inputs ? { inputs: repeat.inputs } : {})
  };
  const elided = repeat.elided ?? [];
  if (elided.length === 0) return group;
  return { ...group, units: allUnits(repeat.units, elided), source: { repeat: repeat.units[0][0], count: repeat.count!, offset: 0 }, elided };
}

/** Every unit in its place, the units sent at the places the elided runs leave, the others empty. */
export function allUnits(sent: string[][], elided: ElidedUnits[]): string[][] {
  const units: string[][] = [];
  let next = 0;
  for (const [start, end] of [...elided].sort((a, b) => a.units[0] - b.units[0]).map(run => run.units)) {
    while (units.length < start) units.push(sent[next++]);
    while (units.length < end) units.push([]);
  }
  while (next < sent.length) units.push(sent[next++]);
  return units;
}

/** The elided runs of a group's units from unit `from` on, numbered among the group's own units. */
export function elidedFrom(group: FoldGroup, from: number): ElidedUnits[] {
  const offset = group.source?.offset ?? 0;
  return (group.elided ?? []).filter(run => run.units[1] - offset > from);
}

/** The group from its unit `from` on: what stays folded when the units before it open. */
export function restOf(group: FoldGroup, from: number): FoldGroup {
  const units = group.units.slice(from);
  const unlike = group.unlike.map(unit => unit - from).filter(unit => unit >= 0);
  const id = units[0].length > 0 ? `${group.kind}:${units[0][0]}` : `${group.id}+${from}`;
  const source = group.source === undefined ? undefined : { ...group.source, offset: group.source.offset + from };
  return { ...group, id, units, unlike, source, elided: elidedFrom(group, from) };
}

/**
 * Opens a group one step. A repeat shows its first unit and keeps the others folded while two
 * or more are left. A chain or a fan shows its first and last units, and the middle, if it still
 * repeats enough, stays folded as a smaller group. Expanding 2,000 repeats thus never asks the
 * layout for 6,000 boxes at once.
 */
export function openGroup(group: FoldGroup): FoldGroup | null {
  if (opensWhole(group)) return stillElided(group);
  if (group.kind === 'repeat') return group.units.length < 3 ? null : restOf(group, 1);
  const middle = group.units.slice(REVEALED_UNITS, group.units.length - REVEALED_UNITS);
  if (middle.length < MIN_REPEATS) return null;
  return { ...group, id: `${group.kind}:${middle[0][0]}`, units: middle };
}

/**
 * The last resort for a graph that neither modules nor repeats make readable: its top-level ops
 * in forward order (sequence numbers), each with the leaves only it takes, cut into `parts`
 * stretches of about equal size, each one box that opens to every node in it.
 */
export function spanGroups(index: GraphIndex, ids: string[], parts: number): FoldGroup[] {
  const ops = ids.map(id => index.nodes.get(id)!).filter(node => node.kind === 'op').sort((a, b) => a.sequence_nr! - b.sequence_nr!);
  const leafOf = new Map<string, string[]>();
  for (const id of ids) {
    const consumers = index.consumers.get(id)!;
    if (index.nodes.get(id)!.kind === 'leaf' && consumers.length === 1) leafOf.set(consumers[0], [...(leafOf.get(consumers[0]) ?? []), id]);
  }
  const size = Math.ceil(ops.length / Math.max(1, parts));
  const groups: FoldGroup[] = [];
  for (let start = 0; start < ops.length; start += size) {
    const stretch = ops.slice(start, start + size);
    if (stretch.length < 2) continue;
    const unit = stretch.flatMap(node => [node.id, ...(leafOf.get(node.id) ?? [])]);
    groups.push({
      id: `span:${stretch[0].id}`, kind: 'span', pattern: stretch.map(stepName), units: [unit], label: null, container: null, unlike: []
    });
  }
  return groups;
}

/** Whether the group opens whole at one click: a span's ops, or a node's inputs, are not alike units to step through. */
export function opensWhole(group: FoldGroup): boolean {
  return group.kind === 'span' || group.kind === 'inputs';
}

/**
 * What stays folded of a group opened whole: its units from the first one the kernel has not sent
 * yet, if any. A span opens whole: its units are single ops, too small to open one at a time.
 */
export function stillElided(group: FoldGroup): FoldGroup | null {
  const [first] = elidedFrom(group, 0).sort((a, b) => a.units[0] - b.units[0]);
  return first === undefined ? null : restOf(group, first.units[0] - (group.source?.offset ?? 0));
}

/** The nodes in a group, all units together. */
export function nodesIn(group: FoldGroup): number {
  const elided = (group.elided ?? []).reduce((sum, run) => sum + run.nodes, 0);
  return group.units.reduce((sum, unit) => sum + unit.length, elided);
}

/** Op nodes linked one to the next, where each feeds only the next and the next takes no other op. */
function linearChains(index: GraphIndex, groupOf: ReadonlyMap<string, string>): string[][] {
  const next = new Map<string, string>();
  const followed = new Set<string>();
  const isOp = (id: string) => index.nodes.get(id)?.kind === 'op';
  const opInputCounts = new Map([...index.inputs].map(([id, inputs]) => [id, inputs.filter(isOp).length]));
  for (const [id, node] of index.nodes) {
    const consumers = index.consumers.get(id)!;
    if (node.kind !== 'op' || consumers.length !== 1 || !isOp(consumers[0])) continue;
    const target = consumers[0];
    if (opInputCounts.get(target) !== 1 || groupOf.get(id) !== groupOf.get(target)) continue;
    next.set(id, target);
    followed.add(target);
  }
  const chains: string[][] = [];
  for (const start of next.keys()) {
    if (followed.has(start)) continue;
    const chain = [start];
    for (let at = next.get(start); at !== undefined; at = next.get(at)) chain.push(at);
    chains.push(chain);
  }
  return chains;
}

/** The stretches of a chain where a pattern of up to MAX_PERIOD ops repeats, shortest pattern first. */
function repeatedRuns(index: GraphIndex, chain: string[], grouped: Set<string>, groupOf: ReadonlyMap<string, string>): FoldGroup[] {
  const names = chain.map(id => stepName(index.nodes.get(id)!));
  const groups: FoldGroup[] = [];
  for (let period = 1; period <= MAX_PERIOD; period++) {
    let start = 0;
    while (start + period < names.length) {
      let end = start;
      while (end + period < names.length && names[end] === names[end + period]) end++;
      const repeats = Math.floor((end - start + period) / period);
      const ids = repeats >= MIN_REPEATS ? chain.slice(start, start + repeats * period) : [];
      if (ids.length > 0 && ids.every(id => !grouped.has(id))) {
        ids.forEach(id => grouped.add(id));
        const units = Array.from({ length: repeats }, (_, unit) => ids.slice(unit * period, (unit + 1) * period));
        const pattern = names.slice(start, start + period);
        groups.push({ id: `chain:${ids[0]}`, kind: 'chain', pattern, units, label: null, container: groupOf.get(ids[0]) ?? null, unlike: [] });
      }
      start = Math.max(end, start + 1);
    }
  }
  return groups;
}

/** Sibling branches of the same ops into one node, where there are at least MIN_REPEATS of them. */
function identicalFans(index: GraphIndex, grouped: Set<string>, groupOf: ReadonlyMap<string, string>): FoldGroup[] {
  const groups: FoldGroup[] = [];
  for (const [target, inputs] of index.inputs) {
    if (inputs.length < MIN_REPEATS) continue;
    const bySignature = new Map<string, string[][]>();
    for (const input of inputs) {
      const branch = branchInto(index, input, grouped);
      const module = branch === null ? undefined : groupOf.get(branch[0]);
      if (branch === null || branch.some(id => groupOf.get(id) !== module)) continue;
      const signature = `${module ?? ''}\u0000${branch.map(id => stepName(index.nodes.get(id)!)).join(' ')}`;
      const siblings = bySignature.get(signature);
      if (siblings) siblings.push(branch);
      else bySignature.set(signature, [branch]);
    }
    for (const units of bySignature.values()) {
      if (units.length < MIN_REPEATS) continue;
      units.flat().forEach(id => grouped.add(id));
      const pattern = units[0].map(id => stepName(index.nodes.get(id)!));
      const container = groupOf.get(units[0][0]) ?? null;
      groups.push({ id: `fan:${target}:${units[0][0]}`, kind: 'fan', pattern, units, label: null, container, unlike: [] });
    }
  }
  return groups;
}

/** The nodes that feed only `end`, walking up while each step has one input feeding only it. */
function branchInto(index: GraphIndex, end: string, grouped: Set<string>): string[] | null {
  if (index.consumers.get(end)!.length !== 1 || grouped.has(end)) return null;
  const branch = [end];
  for (let at = end; ; ) {
    const inputs = index.inputs.get(at)!;
    if (inputs.length !== 1) break;
    const above = inputs[0];
    if (index.consumers.get(above)!.length !== 1 || grouped.has(above)) break;
    branch.push(above);
    at = above;
  }
  return branch.reverse();
}
