/**
 * The autograd graph as the view draws it: boxes with the labels a learner reads, links with
 * the shapes that flow along them, and the folded groups that keep a big graph readable.
 * Pure data, no DOM: the view lays it out and draws it, and `expand` gives a new model.
 */

import { edgeShapes } from './edge_shapes';
import { elidedFrom, findFoldGroups, indexGraph, nodesIn, openGroup, spanGroups, stillElided, type FoldGroup, type GraphIndex } from './folding';
import { fillGroups, mergePart, partToOpen } from './parts';
import {
  allOpen, closedAround, DEFAULT_BOX_BUDGET, defaultOpen, moduleBoxId, modulePathOf, moduleSubtitle,
  moduleTree, type ModuleGroup, type ModuleTree
} from './modules';
import { formatCount, formatShape } from '../format';
import type { GraphPartRequest } from '../protocol';
import type { ForwardSpan, GraphNode, GraphPart, GraphSnapshot, NodeInputs } from '../schema';

export type BoxKind = 'tensor' | 'leaf' | 'op' | 'folded' | 'module';

export interface GraphBox {
  /** The node's id, or the folded group's. */
  id: string;
  kind: BoxKind;
  title: string;
  subtitle: string;
  /** The snapshot's node, for a box that is one node. */
  node: GraphNode | null;
  /** The folded group, for a box that stands for many nodes. */
  group: FoldGroup | null;
  /** The closed module group, for a box that stands for a module. */
  module: ModuleGroup | null;
  /** The open module group the box is drawn in, or null at the top. */
  container: string | null;
}

export interface GraphLink {
  source: string;
  target: string;
  /** The shape flowing along it where the snapshot says it, with `×n` for n edges folded into one. */
  label: string;
}

export interface GraphModel {
  snapshot: GraphSnapshot;
  index: GraphIndex;
  groups: FoldGroup[];
  boxes: GraphBox[];
  links: GraphLink[];
  /** The box that draws each node. */
  boxOf: Map<string, string>;
  modules: ModuleTree;
  /** The module groups shown open, as frames around what they hold. */
  open: ReadonlySet<string>;
}

/** "Expand all" opens the folded boxes too, up to this many nodes: past it the layout would take seconds. */
export const EXPAND_ALL_MAX_NODES = 2_000;

/**
 * The snapshot with its repetitive parts folded and its modules closed past a readable number
 * of boxes (see defaultOpen): what a view shows first. Where the modules and the chains and
 * fans found here leave more than DEFAULT_BOX_BUDGET boxes, the kernel's repeats fold it too:
 * six alike layers become one box `× 6`.
 */
export function graphModel(snapshot: GraphSnapshot): GraphModel {
  const index = indexGraph(snapshot);
  const modules = moduleTree(snapshot);
  const plain = foldedModel(snapshot, index, modules, findFoldGroups(index, modules.groupOf));
  const repeats = snapshot.folding?.repeats ?? [];
  // A repeat whose units the kernel left out is drawn folded whatever the count: its units are not here.
  if (plain.boxes.length <= DEFAULT_BOX_BUDGET && !repeats.some(repeat => (repeat.elided ?? []).length > 0)) return plain;
  const folded = repeats.length === 0 ? plain : foldedModel(snapshot, index, modules, findFoldGroups(index, modules.groupOf, repeats));
  if (folded.boxes.length <= DEFAULT_BOX_BUDGET) return folded;
  // Still too many: the top's plain boxes go into stretches of forward order, so the rest fits.
  const single = folded.boxes.filter(box => box.container === null && box.node !== null && box.kind !== 'tensor').map(box => box.id);
  const others = folded.boxes.length - single.length;
  const spans = spanGroups(index, single, Math.max(1, Math.min(SPAN_PARTS, DEFAULT_BOX_BUDGET - others)));
  return foldedModel(snapshot, index, modules, [...folded.groups, ...spans]);
}

/** How many stretches a graph nothing else folds is cut into, at most. */
const SPAN_PARTS = 24;

function foldedModel(snapshot: GraphSnapshot, index: GraphIndex, modules: ModuleTree, groups: FoldGroup[]): GraphModel {
  const folds = {
    nodes: new Set(groups.flatMap(group => group.units.flat())),
    containers: groups.flatMap(group => (group.container === null ? [] : [group.container]))
  };
  const open = defaultOpen(modules, opened => assignBoxes(snapshot, groups, modules, opened).drawn.length, DEFAULT_BOX_BUDGET, folds);
  return modelOf(snapshot, index, groups, modules, open);
}

/**
 * The model with one box opened: a closed module, or a folded group a step (see openGroup: a
 * repeat shows its first unit, its module open); a new model, the old one unchanged.
 */
export function expand(model: GraphModel, boxId: string): GraphModel {
  const path = modulePathOf(boxId);
  if (path !== null) return modelOf(model.snapshot, model.index, model.groups, model.modules, new Set([...model.open, path]));
  const group = model.groups.find(candidate => candidate.id === boxId);
  if (group === undefined) return model;
  const rest = openGroup(group);
  const groups = model.groups.flatMap(other => (other !== group ? [other] : rest === null ? [] : [rest]));
  const open = group.kind === 'repeat' ? new Set([...model.open, ...unitModules(model.modules, group, 0)]) : model.open;
  return modelOf(model.snapshot, model.index, groups, model.modules, open);
}

/**
 * The model with a folded group opened to every unit at once; a repeat of modules shows each
 * closed. Units the kernel has not sent yet stay folded, from the first of them on.
 */
export function expandGroupAll(model: GraphModel, boxId: string): GraphModel {
  const groups = model.groups.flatMap(group => (group.id !== boxId ? [group] : stillElided(group) ?? []));
  return modelOf(model.snapshot, model.index, groups, model.modules, model.open);
}

/** The model with units the kernel sent (see parts.ts) in their places; what is open stays open. */
export function withPart(model: GraphModel, part: GraphPart, asked: GraphPartRequest): GraphModel {
  const snapshot = mergePart(model.snapshot, part, asked);
  return modelOf(snapshot, indexGraph(snapshot), fillGroups(model.groups, part, asked), moduleTree(snapshot), model.open);
}

/** What the kernel must send before the box opens (see parts.ts: partToOpen); null when nothing. */
export function partToOpenBox(model: GraphModel, boxId: string, all: boolean): GraphPartRequest | null {
  const group = model.groups.find(candidate => candidate.id === boxId);
  return group === undefined ? null : partToOpen(group, all);
}

/** The nodes of the whole graph, those the kernel has not sent yet included. */
export function nodeCount(snapshot: GraphSnapshot): number {
  const elided = (snapshot.folding?.repeats ?? []).flatMap(repeat => repeat.elided ?? []);
  return elided.reduce((sum, run) => sum + run.nodes, snapshot.nodes.length);
}

/** The modules right inside the group's container that make one unit of it: `layers.0`. */
function unitModules(modules: ModuleTree, group: FoldGroup, unit: number): string[] {
  const depth = group.container === null ? 0 : group.container.split('.').length;
  const paths = new Set<string>();
  for (const id of group.units[unit] ?? []) {
    const path = modules.groupOf.get(id);
    if (path === undefined) continue;
    const parts = path.split('.');
    if (parts.length > depth) paths.add(parts.slice(0, depth + 1).join('.'));
  }
  return [...paths];
}

/** The model with an open module closed into one box again. */
export function collapse(model: GraphModel, path: string): GraphModel {
  const open = new Set(model.open);
  open.delete(path);
  return modelOf(model.snapshot, model.index, model.groups, model.modules, open);
}

/** Every module closed into one box; folded boxes as they were. */
export function collapseAll(model: GraphModel): GraphModel {
  return modelOf(model.snapshot, model.index, model.groups, model.modules, new Set());
}

/** Every module open, and every folded box too unless the graph has more than EXPAND_ALL_MAX_NODES nodes. */
export function expandAll(model: GraphModel): GraphModel {
  const groups = model.snapshot.nodes.length > EXPAND_ALL_MAX_NODES ? model.groups : model.groups.flatMap(group => stillElided(group) ?? []);
  return modelOf(model.snapshot, model.index, groups, model.modules, allOpen(model.modules));
}

/**
 * The node a box starts with: a folded group's first unit's first node, or the op a module ran
 * first (the lowest sequence number), where its frame is entered; else the box's first node.
 */
export function firstNodeIn(model: GraphModel, boxId: string): string | null {
  const group = model.groups.find(candidate => candidate.id === boxId);
  if (group !== undefined) return earliest(model, group.units[0]) ?? group.units[0][0] ?? null;
  let first: GraphNode | null = null;
  for (const [id, box] of model.boxOf) {
    if (box !== boxId) continue;
    const node = model.index.nodes.get(id)!;
    const earlier = node.sequence_nr !== null && (first?.sequence_nr ?? Infinity) > node.sequence_nr;
    if (first === null || earlier) first = node;
  }
  return first?.id ?? null;
}

/** The op among `ids` made first in the forward pass, or null when none is an op. */
function earliest(model: GraphModel, ids: string[]): string | null {
  let first: GraphNode | null = null;
  for (const id of ids) {
    const node = model.index.nodes.get(id);
    if (node === undefined || node.sequence_nr === null) continue;
    if (first === null || node.sequence_nr < first.sequence_nr!) first = node;
  }
  return first?.id ?? null;
}

/** Whether a click on the box opens it: a closed module or a folded group. */
export function canExpand(model: GraphModel, boxId: string): boolean {
  return modulePathOf(boxId) !== null || model.groups.some(group => group.id === boxId);
}

export { formatCount };

/** The node torch makes for a region torch.compile compiled: its ops run inside, as one node. */
const COMPILED_REGION = 'CompiledFunctionBackward';

/** How one node reads in its box: the op and its forward op, or the tensor's name and shape. */
export function nodeLabel(node: GraphNode): { title: string; subtitle: string } {
  if (node.op === COMPILED_REGION) return { title: node.op, subtitle: 'a torch.compile region, one node' };
  if (node.kind === 'op') return { title: node.op ?? 'op', subtitle: node.forward_op ?? '' };
  const shape = node.tensor ? formatShape(node.tensor.shape) : '';
  const unnamed = node.kind === 'leaf' ? 'leaf' : 'output';
  return { title: node.name ?? unnamed, subtitle: shape };
}

/**
 * `× 2,000: tanh ← add ← mul`, read from the root up like the backward pass, or `× 6:
 * TransformerEncoderLayer` for a repeat of modules.
 */
export function groupLabel(group: FoldGroup): { title: string; subtitle: string } {
  if (group.span !== undefined) return spanLabel(group, group.span);
  if (group.inputs !== undefined) return inputsLabel(group, group.inputs);
  if (group.kind === 'span') {
    const ops = group.pattern.length;
    return { title: `${formatCount(ops)} ops: ${opsSummary(group.pattern)}`, subtitle: `in forward order · ${formatCount(nodesIn(group))} nodes` };
  }
  const long = group.label === null && group.pattern.length > MAX_STEPS_SPELLED;
  const steps = group.label ?? (long ? opsSummary(group.pattern) : [...group.pattern].reverse().join(' ← '));
  const what = group.kind === 'fan' ? 'branches' : 'repeats';
  const each = long ? ` · ${formatCount(group.pattern.length)} ops each` : '';
  const unlike = group.unlike.length > 0 ? ` · ${formatCount(group.unlike.length)} unlike` : '';
  return { title: `× ${formatCount(group.units.length)}: ${steps}`, subtitle: `${what}${each} · ${formatCount(nodesIn(group))} nodes${unlike}` };
}

/** `ops 121–204 of 2,001 · in forward order · 168 nodes`: a span the kernel cut, whose ops it has not all sent. */
function spanLabel(group: FoldGroup, span: ForwardSpan): { title: string; subtitle: string } {
  const first = span.first + (group.source?.offset ?? 0);
  const where = span.module === null ? 'in forward order' : `in ${span.module}, in forward order`;
  return {
    title: `ops ${formatCount(first + 1)}–${formatCount(first + group.units.length)} of ${formatCount(span.of)}`,
    subtitle: `${where} · ${formatCount(nodesIn(group))} nodes`
  };
}

/**
 * `20,000 inputs of StackBackward0 · leaves it alone takes · 20,000 nodes`; `1,998 more inputs …` past a
 * partial load; `… · leaves 1 other node takes too · …` where others take them too.
 */
function inputsLabel(group: FoldGroup, inputs: NodeInputs): { title: string; subtitle: string } {
  const more = (group.source?.offset ?? 0) > 0 ? ' more' : '';
  return {
    title: `${formatCount(group.units.length)}${more} inputs of ${inputs.op ?? inputs.of}`,
    subtitle: `leaves ${sharedBy(inputs)} · ${formatCount(nodesIn(group))} nodes`
  };
}

/** Who takes the leaves of an inputs fold besides its node: `it alone takes`, `3 other nodes take too`. */
export function sharedBy(inputs: NodeInputs): string {
  const others = inputs.others ?? 0;
  return others === 0 ? 'it alone takes' : `${formatCount(others)} other node${others === 1 ? '' : 's'} take${others === 1 ? 's' : ''} too`;
}

/** A unit of more ops than this is summed up by what it computes (see opsSummary). */
const MAX_STEPS_SPELLED = 4;
const SUMMARY_OPS = 4;
/** Ops that only reshape, move or copy what they pass on: they say little of what a unit computes. */
const LAYOUT_OPS = new Set([
  'view', 'unsafe_view', 'reshape_alias', 'transpose', 't', 'permute', 'expand', 'unsqueeze', 'squeeze', 'clone',
  'select', 'slice', 'alias', 'as_strided', 'split', 'unbind', 'split_with_sizes'
]);

/** `addmm ×4, bmm ×2, safe_softmax, native_layer_norm ×2, …`: what a long unit computes, most frequent first. */
function opsSummary(pattern: string[]): string {
  const counts = new Map<string, number>();
  for (const op of pattern) if (!LAYOUT_OPS.has(op)) counts.set(op, (counts.get(op) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const named = ranked.slice(0, SUMMARY_OPS).map(([op, count]) => (count > 1 ? `${op} ×${count}` : op));
  return [...named, ...(ranked.length > SUMMARY_OPS ? ['…'] : [])].join(', ') || `${pattern.length} ops`;
}

function modelOf(
  snapshot: GraphSnapshot, index: GraphIndex, groups: FoldGroup[], modules: ModuleTree, open: ReadonlySet<string>
): GraphModel {
  const { boxOf, boxes } = placeBoxes(snapshot, groups, modules, open);
  const links = linksBetween(snapshot, index, boxOf, boxes.flatMap(box => (box.group === null ? [] : [box.group])));
  return { snapshot, index, groups, boxes, links, boxOf, modules, open };
}

/**
 * Which box draws each node. A folded group shows where every module around it is open, and
 * takes its nodes (outer groups first: a repeat of layers before what repeats inside a layer);
 * then each node goes to the outermost closed module around it, or to a box of its own.
 */
function placeBoxes(
  snapshot: GraphSnapshot, groups: FoldGroup[], modules: ModuleTree, open: ReadonlySet<string>
): { boxOf: Map<string, string>; boxes: GraphBox[] } {
  const { boxOf, drawn } = assignBoxes(snapshot, groups, modules, open);
  const boxes = drawn.map((what): GraphBox => {
    if ('group' in what) return { id: what.group.id, kind: 'folded', ...groupLabel(what.group), node: null, group: what.group, module: null, container: what.container };
    if ('module' in what) {
      const module = modules.groups.get(what.module)!;
      const subtitle = moduleSubtitle(module, modules.inferred);
      return { id: moduleBoxId(what.module), kind: 'module', title: what.module, subtitle, node: null, group: null, module, container: module.parent };
    }
    const { node } = what;
    return { id: node.id, kind: node.kind, ...nodeLabel(node), node, group: null, module: null, container: modules.groupOf.get(node.id) ?? null };
  });
  return { boxOf, boxes };
}

/** What a box draws: a folded group, a closed module (its path), or a node. */
type BoxContent = { group: FoldGroup; container: string | null } | { module: string } | { node: GraphNode };

/**
 * placeBoxes's choices without the boxes' labels: opening modules by default (defaultOpen)
 * counts the boxes of each level it tries, which needs no label.
 */
function assignBoxes(
  snapshot: GraphSnapshot, groups: FoldGroup[], modules: ModuleTree, open: ReadonlySet<string>
): { boxOf: Map<string, string>; drawn: BoxContent[] } {
  const boxOf = new Map<string, string>();
  const drawn: BoxContent[] = [];
  // Nodes of one module share the answer: asked once per module, not once per node.
  const closedOf = new Map<string, string | null>();
  const closed = (path: string): string | null => {
    let found = closedOf.get(path);
    if (found === undefined) closedOf.set(path, (found = closedAround(modules, open, path)));
    return found;
  };
  for (const group of groups) {
    const container = group.container !== null && modules.groups.has(group.container) ? group.container : null;
    if ((container !== null && closed(container) !== null) || boxOf.has(group.units[0][0])) continue;
    for (const unit of group.units) unit.forEach(id => boxOf.has(id) || boxOf.set(id, group.id));
    drawn.push({ group, container });
  }
  const closedBoxes = new Set<string>();
  for (const [node, path] of modules.groupOf) {
    if (boxOf.has(node)) continue;
    const module = closed(path);
    if (module === null) continue;
    const id = moduleBoxId(module);
    if (!closedBoxes.has(id)) {
      closedBoxes.add(id);
      drawn.push({ module });
    }
    boxOf.set(node, id);
  }
  for (const node of snapshot.nodes) {
    if (boxOf.has(node.id)) continue;
    boxOf.set(node.id, node.id);
    drawn.push({ node });
  }
  return { boxOf, drawn };
}

/**
 * One link per pair of boxes; edges inside a folded box are not drawn. A folded group's units
 * the kernel has not sent yet are linked by the counts it sent with them.
 */
function linksBetween(snapshot: GraphSnapshot, index: GraphIndex, boxOf: Map<string, string>, drawn: FoldGroup[]): GraphLink[] {
  const pairs = new Map<string, { source: string; target: string; shapes: Set<string>; edges: number }>();
  const shapes = edgeShapes(snapshot, index);
  const add = (source: string | undefined, target: string | undefined, edges: number, shape: string): void => {
    if (source === undefined || target === undefined || source === target) return;
    const key = `${source}\u0000${target}`;
    const pair = pairs.get(key) ?? { source, target, shapes: new Set<string>(), edges: 0 };
    pair.shapes.add(shape);
    pair.edges += edges;
    pairs.set(key, pair);
  };
  for (const edge of snapshot.edges) {
    const shape = shapes.get(edge);
    add(boxOf.get(edge.source), boxOf.get(edge.target), edge.count ?? 1, shape === undefined ? '' : formatShape(shape));
  }
  for (const group of drawn) {
    for (const { source, target, edges } of elidedFrom(group, 0).flatMap(run => run.links)) {
      add(source === null ? group.id : boxOf.get(source), target === null ? group.id : boxOf.get(target), edges, '');
    }
  }
  return [...pairs.values()].map(({ source, target, shapes, edges }) => {
    const shape = shapes.size === 1 ? [...shapes][0] : '';
    const times = edges > 1 ? `×${formatCount(edges)}` : '';
    return { source, target, label: [shape, times].filter(Boolean).join(' ') };
  });
}

/**
 * The boxes drawing a node whose name, op, forward op or id contains `query` (any case), in
 * the snapshot's order, then folded boxes whose label does: a leaf folded into a fan is
 * found through its fan.
 */
export function searchBoxes(model: GraphModel, query: string): string[] {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return [];
  const found = new Set<string>();
  for (const node of model.snapshot.nodes) {
    const texts = [node.id, node.name, node.op, node.forward_op];
    if (texts.some(text => text?.toLowerCase().includes(wanted))) found.add(model.boxOf.get(node.id)!);
  }
  for (const box of model.boxes) {
    if ((box.kind === 'folded' || box.kind === 'module') && box.title.toLowerCase().includes(wanted)) found.add(box.id);
    const names = box.group === null ? [] : elidedFrom(box.group, 0).flatMap(run => run.names);
    if (names.some(name => name.toLowerCase().includes(wanted))) found.add(box.id);
  }
  return [...found];
}
