/**
 * The details panel beside the graph: what the selected box stands for. For an op, its inputs
 * and outputs and what it saved for backward; for a leaf or a root, its tensor's metadata as it
 * is now (a leaf's grad once a recorded backward pass reached it); for a folded box, what
 * repeats and how often. Every string is set as text.
 */

import { formatBool, formatBytes, formatShape } from '../../core/format';
import { nodesIn } from '../../core/graph/folding';
import { formatCount, nodeLabel, sharedBy, type GraphBox, type GraphModel } from '../../core/graph/model';
import type { GraphMemory } from '../../core/graph/memory';
import { moduleFacts } from '../../core/graph/modules';
import { graphShardingText } from '../../core/tensor/sharding';
import type { GradientsSnapshot, GraphNode, GraphTensor, SavedTensor, SavedTensorItem, SavedValue, Shape } from '../../core/schema';
import { element } from '../dom';

/** Inputs or outputs listed by name before "and n more": a stack of 5,000 stays readable. */
const MAX_LISTED_NEIGHBOURS = 12;

/** What a box stands for; nothing for no box. `recorded`: the last backward pass, if any. */
export function detailsOf(
  model: GraphModel, box: GraphBox | null, recorded: GradientsSnapshot | null, memory: GraphMemory | null = null
): HTMLElement[] {
  if (box === null) return [];
  const heading = element('h3', 'torchinspect-graph-details-title', box.title);
  if (box.module !== null) {
    const held = memory?.byModule.get(box.module.path);
    const holds: Field[] = held === undefined || memory === null ? [] : [['held for backward', heldText(held, memory.total)]];
    return [heading, ...section('Module', [...moduleFacts(model.modules, box.module.path, model.index.nodes, false), ...holds])];
  }
  const around = box.container === null ? [] : section('Module', moduleFacts(model.modules, box.container, model.index.nodes, true));
  if (box.node === null) return [heading, ...section('Folded', foldedFields(box)), ...around];
  const node = box.node;
  return [
    heading,
    ...section('Node', [...nodeFields(node), ...nodeMemory(model, node, memory)]),
    ...around,
    ...section('Inputs', neighbourFields(model, model.index.inputs.get(node.id) ?? [], inputTimes(model, node.id))),
    ...section('Outputs', neighbourFields(model, model.index.consumers.get(node.id) ?? [])),
    ...section('Saved tensors', Object.entries(node.saved_tensors).map(([name, saved]) => [name, savedTensorText(saved)])),
    ...section('Saved values', Object.entries(node.saved_values).map(([name, value]) => [name, savedValueText(value)])),
    ...section('Tensor', node.tensor ? tensorFields(node.tensor, gradNow(node, recorded)) : []),
    ...section('Metadata', Object.entries(node.metadata).map(([name, value]) => [name, JSON.stringify(value)]))
  ];
}

type Field = [label: string, value: string];

/** `12.0 MiB, 24% of the graph's`; a part that rounds to 0% says 'under 1%', as it is not nothing. */
function heldText(nbytes: number, total: number): string {
  if (total <= 0) return formatBytes(nbytes);
  const percent = Math.round((nbytes / total) * 100);
  return `${formatBytes(nbytes)}, ${percent === 0 && nbytes > 0 ? 'under 1' : percent}% of the graph's`;
}

/** What the node keeps alive for backward, each storage counted at the first node that saves it. */
function nodeMemory(model: GraphModel, node: GraphNode, memory: GraphMemory | null): Field[] {
  if (memory === null || node.kind !== 'op') return [];
  const held = model.snapshot.memory?.held_by_node[node.id] ?? 0;
  const saves = Object.values(node.saved_tensors).some(saved => saved.kind === 'tensor' || saved.kind === 'tensors');
  if (held === 0 && !saves) return [];
  return [['held for backward', held === 0 ? 'nothing more: what it saved is counted at another node, or is a leaf' : heldText(held, memory.total)]];
}

/** A titled list of fields; nothing at all when there are none. */
function section(title: string, fields: Field[]): HTMLElement[] {
  if (fields.length === 0) return [];
  const list = element('dl', 'torchinspect-graph-details-fields');
  for (const [label, value] of fields) {
    list.append(element('dt', 'torchinspect-graph-details-label', label), element('dd', 'torchinspect-graph-details-value', value));
  }
  return [element('h4', 'torchinspect-graph-details-section', title), list];
}

function nodeFields(node: GraphNode): Field[] {
  const fields: Field[] = [['id', node.id], ['kind', node.kind]];
  if (node.op) fields.push(['op', node.op]);
  if (node.forward_op) fields.push(['forward op', node.forward_op]);
  if (node.name) fields.push(['name', node.name]);
  if (node.sequence_nr !== null) fields.push(['sequence nr', String(node.sequence_nr)]);
  return fields;
}

function foldedFields(box: GraphBox): Field[] {
  const group = box.group!;
  if (group.inputs !== undefined) {
    return [
      ['holds', group.inputs.others === undefined
        ? `${formatCount(group.units.length)} leaves that only ${group.inputs.op ?? group.inputs.of} (${group.inputs.of}) takes`
        : `${formatCount(group.units.length)} leaves ${group.inputs.op ?? group.inputs.of} (${group.inputs.of}) takes, and ${sharedBy(group.inputs)}`],
      ['open', 'click the box, or select it and press Enter']
    ];
  }
  if (group.kind === 'span') {
    return [
      // A span the kernel cut holds one op a unit and no pattern; one the page cut, the pattern of its ops.
      ['holds', `${formatCount(group.span ? group.units.length : group.pattern.length)} ops in forward order, and the leaves only they take`],
      ['nodes', formatCount(nodesIn(group))],
      ['open', 'click the box, or select it and press Enter']
    ];
  }
  const fields: Field[] = [
    [group.kind === 'fan' ? 'branches' : 'repeats', formatCount(group.units.length)],
    ['each', group.label ?? group.pattern.join(' → ')],
    ['nodes', formatCount(nodesIn(group))]
  ];
  if (group.unlike.length > 0) {
    const sizes = group.unlike.map(unit => `unit ${unit + 1}: ${formatCount(group.units[unit].length)} nodes`);
    fields.push(['unlike', `${sizes.join(', ')}; not wired exactly like the others`]);
  }
  if (group.kind !== 'repeat') return [...fields, ['open', 'click the box, or select it and press Enter']];
  return [...fields, ['open', 'click the box, or Enter, for one unit; Shift+click or Shift+Enter for all']];
}

function neighbourFields(model: GraphModel, ids: string[], times = new Map<string, number>()): Field[] {
  const listed: Field[] = ids.slice(0, MAX_LISTED_NEIGHBOURS).map(id => {
    const node = model.index.nodes.get(id)!;
    const { title, subtitle } = nodeLabel(node);
    const taken = times.get(id) ?? 1;
    const as = taken > 1 ? ` · as ${formatCount(taken)} of its inputs` : '';
    return [id, `${subtitle ? `${title} (${subtitle})` : title}${as}`];
  });
  const more = ids.length - listed.length;
  return more > 0 ? [...listed, ['…', `and ${formatCount(more)} more`]] : listed;
}

/** How many of `target`'s inputs each node feeds (`torch.stack([x] * 10_000)`: x is 10,000 of them, one counted edge). */
function inputTimes(model: GraphModel, target: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const edge of model.snapshot.edges) {
    if (edge.target === target) times.set(edge.source, (times.get(edge.source) ?? 0) + (edge.count ?? 1));
  }
  return times;
}

/**
 * A leaf's `.grad` as it is now: the graph was read before backward, so where it saw none, the
 * gradient the recorded pass accumulated into the leaf says what `.grad` holds.
 */
function gradNow(node: GraphNode, recorded: GradientsSnapshot | null): { shape: Shape; dtype: string } | null {
  if (node.tensor?.grad) return node.tensor.grad;
  return node.kind === 'leaf' ? recorded?.nodes[node.id]?.arriving[0] ?? null : null;
}

function tensorFields(tensor: GraphTensor, grad: { shape: Shape; dtype: string } | null): Field[] {
  const sharding = tensor.sharding;
  return [
    [sharding ? 'global shape' : 'shape', formatShape(tensor.shape)],
    ...(sharding ? ([['placements', graphShardingText(sharding)], ["this rank's block", formatShape(sharding.local_shape)]] as Field[]) : []),
    ['dtype', tensor.dtype],
    ['device', tensor.device],
    ['requires_grad', formatBool(tensor.requires_grad)],
    ['grad', grad ? `${formatShape(grad.shape)} ${grad.dtype}` : 'None']
  ];
}

/** `[20, 20] float32 · 1.6 KiB`, `freed`, or `nothing saved`. */
function savedTensorText(saved: SavedTensor): string {
  if (saved.kind !== 'tensors') return savedItemText(saved);
  const items = saved.items.map(savedItemText).join('; ');
  const more = saved.length > saved.items.length ? `; … ${formatCount(saved.length)} in all` : '';
  return `${formatCount(saved.length)} tensors: ${items}${more}`;
}

function savedItemText(item: SavedTensorItem): string {
  switch (item.kind) {
    case 'tensor': {
      const shape = item.shape === null ? '?' : formatShape(item.shape);
      const bytes = item.nbytes === null ? '' : ` · ${formatBytes(item.nbytes)}`;
      const of = item.node === null ? '' : ` (the tensor of ${item.node})`;
      const sharded = item.sharding ? ` · ${graphShardingText(item.sharding)}, this rank ${formatShape(item.sharding.local_shape)}` : '';
      return `${shape} ${item.dtype}${bytes}${item.is_view ? ' · view' : ''}${sharded}${of}`;
    }
    case 'none':
      return 'nothing saved';
    case 'freed':
      return 'freed by backward()';
    case 'hooked':
      return `packed by a saved-tensors hook (${item.packed})`;
  }
}

function savedValueText(value: SavedValue): string {
  if (value !== null && typeof value === 'object' && 'freed' in value) return 'freed by backward()';
  return JSON.stringify(value);
}
