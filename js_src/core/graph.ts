/**
 * The autograd graph as the view draws it: boxes with the labels a learner reads, links with
 * the shapes that flow along them, and the folded groups that keep a big graph readable.
 * Pure data, no DOM: the view lays it out and draws it, and `expand` gives a new model.
 */

import { findFoldGroups, indexGraph, openGroup, type FoldGroup, type GraphIndex } from './graph_folding';
import { formatShape } from './format';
import type { GraphEdge, GraphNode, GraphSnapshot } from './schema';

export type BoxKind = 'tensor' | 'leaf' | 'op' | 'folded';

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
}

/** The snapshot with its repetitive parts folded: what a view shows first. */
export function graphModel(snapshot: GraphSnapshot): GraphModel {
  const index = indexGraph(snapshot);
  return modelOf(snapshot, index, findFoldGroups(index));
}

/** The model with one folded group opened a step (see openGroup); a new model, the old one unchanged. */
export function expand(model: GraphModel, groupId: string): GraphModel {
  const groups = model.groups.flatMap(group => {
    if (group.id !== groupId) return [group];
    const rest = openGroup(group);
    return rest === null ? [] : [rest];
  });
  return modelOf(model.snapshot, model.index, groups);
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

/**
 * The shape of the tensor an edge carries, only where the snapshot says it: a leaf's or root
 * tensor's own shape, a root tensor's shape for the edge from its grad_fn, or an op's saved
 * `result` (its output). Otherwise null: no shape rather than a guessed one.
 */
export function edgeShape(index: GraphIndex, edge: GraphEdge): number[] | null {
  const source = index.nodes.get(edge.source);
  const target = index.nodes.get(edge.target);
  if (source?.tensor) return nullFree(source.tensor.shape);
  if (target?.kind === 'tensor' && target.tensor) return nullFree(target.tensor.shape);
  const result = source?.saved_tensors.result;
  if (result?.kind === 'tensor' && edge.output_nr === 0) return result.shape === null ? null : nullFree(result.shape);
  return null;
}

function nullFree(shape: (number | null)[]): number[] | null {
  return shape.every(size => size !== null) ? (shape as number[]) : null;
}

function modelOf(snapshot: GraphSnapshot, index: GraphIndex, groups: FoldGroup[]): GraphModel {
  const boxOf = new Map<string, string>();
  const boxes: GraphBox[] = [];
  for (const group of groups) {
    for (const unit of group.units) unit.forEach(id => boxOf.set(id, group.id));
    boxes.push({ id: group.id, kind: 'folded', ...groupLabel(group), node: null, group });
  }
  for (const node of snapshot.nodes) {
    if (boxOf.has(node.id)) continue;
    boxOf.set(node.id, node.id);
    boxes.push({ id: node.id, kind: node.kind, ...nodeLabel(node), node, group: null });
  }
  return { snapshot, index, groups, boxes, links: linksBetween(snapshot, index, boxOf), boxOf };
}

/** One link per pair of boxes; edges inside a folded box are not drawn. */
function linksBetween(snapshot: GraphSnapshot, index: GraphIndex, boxOf: Map<string, string>): GraphLink[] {
  const pairs = new Map<string, { source: string; target: string; shapes: Set<string>; edges: number }>();
  for (const edge of snapshot.edges) {
    const [source, target] = [boxOf.get(edge.source), boxOf.get(edge.target)];
    if (source === undefined || target === undefined || source === target) continue;
    const key = `${source}\u0000${target}`;
    const pair = pairs.get(key) ?? { source, target, shapes: new Set<string>(), edges: 0 };
    const shape = edgeShape(index, edge);
    pair.shapes.add(shape === null ? '' : formatShape(shape));
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
    if (box.kind === 'folded' && box.title.toLowerCase().includes(wanted)) found.add(box.id);
  }
  return [...found];
}
