/**
 * Module groups: the nodes of a graph recorded with `torchinspect.record_modules`, grouped by
 * the nn.Module that made them (`metadata.module`, a path such as `layers.0.self_attn`), as a
 * tree of paths. A closed group is drawn as one box; an open one as a frame around what it
 * holds. Pure data, no DOM.
 */

import { formatCount } from '../format';
import type { GraphNode, GraphSnapshot } from '../schema';

export interface ModuleGroup {
  /** The module's qualified name: `layers.0.self_attn`. */
  path: string;
  /** Its class, where a node it made says it (a container such as `nn.ModuleList` makes none). */
  className: string | null;
  parent: string | null;
  /** The groups one level down, in the order their nodes first appear. */
  children: string[];
  /** The nodes the module made itself, and its parameters' leaves. */
  nodes: string[];
  /** The nodes in it and in every group below it. */
  size: number;
}

export interface ModuleTree {
  /** Whether the modules were inferred from parameter names (see graph/folding.py), not recorded. */
  inferred: boolean;
  groups: Map<string, ModuleGroup>;
  /** The top groups, in the order their nodes first appear. */
  top: string[];
  /** The group of each node that has one. */
  groupOf: Map<string, string>;
}

/** Where nothing says how far to open the groups, they open level by level while at most this many boxes show. */
export const DEFAULT_BOX_BUDGET = 60;

const MODULE_KEY = 'module';
const MODULE_CLASS_KEY = 'module_class';
const MODULE_BOX_PREFIX = 'module:';

/**
 * The module tree of a snapshot. A node belongs to the module in its `metadata.module`; the
 * model's own path `""` is no group. A leaf without one joins the module its name points to
 * when that module is in the tree: `layers.0.weight`, or `model.layers.0.weight` named from
 * the notebook, joins `layers.0`. Where nothing was recorded, the modules the kernel inferred
 * from parameter names (`folding.inferred_modules`) make the tree, said as inferred.
 */
export function moduleTree(snapshot: GraphSnapshot): ModuleTree {
  const inferred = snapshot.folding?.modules === 'inferred' ? snapshot.folding.inferred_modules ?? {} : null;
  const tree: ModuleTree = { inferred: inferred !== null, groups: new Map(), top: [], groupOf: new Map() };
  const unplaced: GraphNode[] = [];
  for (const node of snapshot.nodes) {
    const path = inferred === null ? node.metadata[MODULE_KEY] : inferred[node.id];
    if (typeof path === 'string' && path !== '') place(tree, node, path);
    else if (node.kind === 'leaf' && node.name !== null) unplaced.push(node);
  }
  if (tree.groups.size === 0) return tree;
  for (const leaf of unplaced) {
    const path = moduleNamed(tree, leaf.name!);
    if (path !== null) place(tree, leaf, path);
  }
  return tree;
}

/**
 * Whether a graph drawn without recorded modules has any to record: it takes parameters (an
 * nn.Module's, as a rule), or the kernel inferred modules from their names. A graph of plain
 * tensors, such as a tanh chain written by hand, has no module that `record_modules` could name.
 */
export function hasUnrecordedModules(snapshot: GraphSnapshot): boolean {
  if (snapshot.nodes.some(node => MODULE_KEY in node.metadata)) return false;
  return snapshot.folding?.modules === 'inferred' || snapshot.nodes.some(node => node.tensor?.is_parameter === true);
}

/** The id of the box that draws a closed group. */
export function moduleBoxId(path: string): string {
  return `${MODULE_BOX_PREFIX}${path}`;
}

/** The group a box id draws, or null for any other box. */
export function modulePathOf(boxId: string): string | null {
  return boxId.startsWith(MODULE_BOX_PREFIX) ? boxId.slice(MODULE_BOX_PREFIX.length) : null;
}

/** The closed group whose box draws the node, or null when every group around it is open. */
export function closedGroupOf(tree: ModuleTree, open: ReadonlySet<string>, nodeId: string): string | null {
  const path = tree.groupOf.get(nodeId);
  return path === undefined ? null : closedAround(tree, open, path);
}

/** The outermost closed group among the group at `path` and those around it, or null when all are open. */
export function closedAround(tree: ModuleTree, open: ReadonlySet<string>, path: string): string | null {
  return ancestry(tree, path).find(ancestor => !open.has(ancestor)) ?? null;
}

/** The group and the groups around it, outermost first. */
export function ancestry(tree: ModuleTree, path: string): string[] {
  const chain: string[] = [];
  for (let at: string | null = path; at !== null; at = tree.groups.get(at)!.parent) chain.push(at);
  return chain.reverse();
}

/**
 * The groups open at first: level by level from the top, every closed group of a level opened
 * at once (so that alike modules look alike), while at most `budget` boxes show, as
 * `boxesWhenOpen` counts them (folded repeats may hide the groups a level opens).
 */
export function defaultOpen(
  tree: ModuleTree, boxesWhenOpen: (open: ReadonlySet<string>) => number, budget = DEFAULT_BOX_BUDGET,
  folds: { nodes: ReadonlySet<string>; containers: string[] } = { nodes: new Set(), containers: [] }
): Set<string> {
  // A group whose every node is folded away stays closed: it shows as itself when its fold opens.
  const shown = new Set<string>();
  const show = (path: string) => tree.groups.has(path) && ancestry(tree, path).forEach(at => shown.add(at));
  for (const [node, path] of tree.groupOf) if (!folds.nodes.has(node)) show(path);
  folds.containers.forEach(show);
  const worthOpening = (path: string) => tree.groups.get(path)!.size > 1 && shown.has(path);
  let open = new Set<string>();
  let level = tree.top.filter(worthOpening);
  while (level.length > 0) {
    const wider = new Set([...open, ...level]);
    if (boxesWhenOpen(wider) > budget) break;
    open = wider;
    level = level.flatMap(path => tree.groups.get(path)!.children).filter(worthOpening);
  }
  return open;
}

/** Every group open. */
export function allOpen(tree: ModuleTree): Set<string> {
  return new Set(tree.groups.keys());
}

/** `TransformerEncoderLayer · 75 nodes`; `inferred · 75 nodes` for a module inferred from parameter names. */
export function moduleSubtitle(group: ModuleGroup, inferred = false): string {
  const count = `${formatCount(group.size)} ${group.size === 1 ? 'node' : 'nodes'}`;
  const what = inferred ? 'inferred' : group.className;
  return what === null ? count : `${what} · ${count}`;
}

function place(tree: ModuleTree, node: GraphNode, path: string): void {
  tree.groupOf.set(node.id, path);
  const group = groupAt(tree, path);
  group.nodes.push(node.id);
  const className = node.metadata[MODULE_CLASS_KEY];
  if (group.className === null && typeof className === 'string') group.className = className;
  for (let at: ModuleGroup | undefined = group; at !== undefined; at = at.parent === null ? undefined : tree.groups.get(at.parent)) {
    at.size += 1;
  }
}

/** The group at `path`, made with the groups above it where they are missing. */
function groupAt(tree: ModuleTree, path: string): ModuleGroup {
  const known = tree.groups.get(path);
  if (known !== undefined) return known;
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? null : groupAt(tree, path.slice(0, cut)).path;
  const group: ModuleGroup = { path, className: null, parent, children: [], nodes: [], size: 0 };
  tree.groups.set(path, group);
  if (parent === null) tree.top.push(path);
  else tree.groups.get(parent)!.children.push(path);
  return group;
}

/** The group a parameter's name points to, trying without its first parts in turn. */
function moduleNamed(tree: ModuleTree, name: string): string | null {
  const parts = name.split('.');
  for (let skip = 0; skip < parts.length - 1; skip++) {
    const path = parts.slice(skip, -1).join('.');
    if (tree.groups.has(path)) return path;
  }
  return null;
}

/** What the details panel says of a module: for a closed one what it holds, for an open one how to close it. */
export function moduleFacts(tree: ModuleTree, path: string, nodes: Map<string, GraphNode>, open: boolean): [string, string][] {
  const group = tree.groups.get(path)!;
  const facts: [string, string][] = [['path', path]];
  if (group.className !== null) facts.push(['class', group.className]);
  if (tree.inferred) facts.push(['inferred', 'from the names of the parameters its ops take; torchinspect.record_modules() records modules exactly']);
  if (open) return [...facts, ['close', "click its frame's header, or press Backspace"]];
  const inside = [...tree.groupOf].filter(([, at]) => at === path || at.startsWith(`${path}.`)).map(([id]) => nodes.get(id));
  facts.push(['nodes', formatCount(group.size)]);
  facts.push(['parameters', formatCount(inside.filter(node => node?.kind === 'leaf').length)]);
  if (group.children.length > 0) facts.push(['modules inside', formatCount(group.children.length)]);
  return [...facts, ['open', 'click the box, or select it and press Enter']];
}
