/**
 * The autograd graph as the view draws it: boxes with the labels a learner reads, links with
 * the shapes that flow along them, and the folded groups that keep a big graph readable.
 * Pure data, no DOM: the view lays it out and draws it, and `expand` gives a new model.
 */

import { edgeShapes } from './edge_shapes';
import { findFoldGroups, indexGraph, openGroup, type FoldGroup, type GraphIndex } from './folding';
import {
  allOpen, closedGroupOf, defaultOpen, moduleBoxId, modulePathOf, moduleSubtitle, moduleTree,
  type ModuleGroup, type ModuleTree
} from './modules';
import { formatShape } from '../format';
import type { GraphNode, GraphSnapshot } from '../schema';

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
 * of boxes (see defaultOpen): what a view shows first.
 */
export function graphModel(snapshot: GraphSnapshot): GraphModel {
  const index = indexGraph(snapshot);
  const modules = moduleTree(snapshot);
  const open = defaultOpen(modules, snapshot.nodes.length - modules.groupOf.size);
  return modelOf(snapshot, index, findFoldGroups(index, modules.groupOf), modules, open);
}

/**
 * The model with one box opened: a closed module, or a folded group a step (see openGroup);
 * a new model, the old one unchanged.
 */
export function expand(model: GraphModel, boxId: string): GraphModel {
  const path = modulePathOf(boxId);
  if (path !== null) return modelOf(model.snapshot, model.index, model.groups, model.modules, new Set([...model.open, path]));
  const groups = model.groups.flatMap(group => {
    if (group.id !== boxId) return [group];
    const rest = openGroup(group);
    return rest === null ? [] : [rest];
  });
  return modelOf(model.snapshot, model.index, groups, model.modules, model.open);
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
  const groups = model.snapshot.nodes.length > EXPAND_ALL_MAX_NODES ? model.groups : [];
  return modelOf(model.snapshot, model.index, groups, model.modules, allOpen(model.modules));
}

/**
 * The node a box starts with: a folded group's first unit's first node, or the op a module ran
 * first (the lowest sequence number), where its frame is entered; else the box's first node.
 */
export function firstNodeIn(model: GraphModel, boxId: string): string | null {
  const group = model.groups.find(candidate => candidate.id === boxId);
  if (group !== undefined) return group.units[0][0];
  let first: GraphNode | null = null;
  for (const [id, box] of model.boxOf) {
    if (box !== boxId) continue;
    const node = model.index.nodes.get(id)!;
    const earlier = node.sequence_nr !== null && (first?.sequence_nr ?? Infinity) > node.sequence_nr;
    if (first === null || earlier) first = node;
  }
  return first?.id ?? null;
}

/** Whether a click on the box opens it: a closed module or a folded group. */
export function canExpand(model: GraphModel, boxId: string): boolean {
  return modulePathOf(boxId) !== null || model.groups.some(group => group.id === boxId);
}

/** `1,234`: counts of thousands of nodes read at a glance. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** How one node reads in its box: the op and its forward op, or the tensor's name and shape. */
export function nodeLabel(node: GraphNode): { title: string; subtitle: string } {
  if (node.kind === 'op') return { title: node.op ?? 'op', subtitle: node.forward_op ?? '' };
  const shape = node.tensor ? formatShape(node.tensor.shape) : '';
  const unnamed = node.kind === 'leaf' ? 'leaf' : 'output';
  return { title: node.name ?? unnamed, subtitle: shape };
}

/** `× 2,000: tanh ← add ← mul`, read from the root up like the backward pass. */
export function groupLabel(group: FoldGroup): { title: string; subtitle: string } {
  const steps = [...group.pattern].reverse().join(' ← ');
  const nodes = group.units.length * group.pattern.length;
  const what = group.kind === 'chain' ? 'repeats' : 'branches';
  return { title: `× ${formatCount(group.units.length)}: ${steps}`, subtitle: `${what} · ${formatCount(nodes)} nodes` };
}

function modelOf(
  snapshot: GraphSnapshot, index: GraphIndex, groups: FoldGroup[], modules: ModuleTree, open: ReadonlySet<string>
): GraphModel {
  const boxOf = new Map<string, string>();
  const boxes: GraphBox[] = [];
  const containerOf = (id: string) => modules.groupOf.get(id) ?? null;
  const closedBoxes = new Set<string>();
  for (const node of modules.groupOf.keys()) {
    const closed = closedGroupOf(modules, open, node);
    if (closed === null) continue;
    const id = moduleBoxId(closed);
    if (!closedBoxes.has(id)) {
      closedBoxes.add(id);
      const module = modules.groups.get(closed)!;
      boxes.push({ id, kind: 'module', title: closed, subtitle: moduleSubtitle(module), node: null, group: null, module, container: module.parent });
    }
    boxOf.set(node, id);
  }
  // A folded group lies in one module (see findFoldGroups): it shows only where that module is open.
  const shown = groups.filter(group => !boxOf.has(group.units[0][0]));
  for (const group of shown) {
    for (const unit of group.units) unit.forEach(id => boxOf.set(id, group.id));
    boxes.push({ id: group.id, kind: 'folded', ...groupLabel(group), node: null, group, module: null, container: containerOf(group.units[0][0]) });
  }
  for (const node of snapshot.nodes) {
    if (boxOf.has(node.id)) continue;
    boxOf.set(node.id, node.id);
    boxes.push({ id: node.id, kind: node.kind, ...nodeLabel(node), node, group: null, module: null, container: containerOf(node.id) });
  }
  return { snapshot, index, groups, boxes, links: linksBetween(snapshot, index, boxOf), boxOf, modules, open };
}

/** One link per pair of boxes; edges inside a folded box are not drawn. */
function linksBetween(snapshot: GraphSnapshot, index: GraphIndex, boxOf: Map<string, string>): GraphLink[] {
  const pairs = new Map<string, { source: string; target: string; shapes: Set<string>; edges: number }>();
  const shapes = edgeShapes(snapshot, index);
  for (const edge of snapshot.edges) {
    const [source, target] = [boxOf.get(edge.source), boxOf.get(edge.target)];
    if (source === undefined || target === undefined || source === target) continue;
    const key = `${source}\u0000${target}`;
    const pair = pairs.get(key) ?? { source, target, shapes: new Set<string>(), edges: 0 };
    const shape = shapes.get(edge);
    pair.shapes.add(shape === undefined ? '' : formatShape(shape));
    pair.edges += 1;
    pairs.set(key, pair);
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
  }
  return [...found];
}
