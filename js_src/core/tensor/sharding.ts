/**
 * A DTensor's layout as a picture to draw: the global tensor seen along two of its axes, cut
 * into the blocks its ranks hold, each tile named by the ranks that hold it. Pure data, no DOM.
 *
 * The axes drawn are the sharded ones first, then the last axes, so that a tensor split along
 * its first dimension shows its split; blocks that cover the same rectangle (replicas, partial
 * addends) are one tile that names every rank.
 */

import type { GraphSharding, ShardBlock, ShardPlacement, TensorSharding } from '../schema';
import { formatShape } from '../format';

export interface ShardingTile {
  /** Position and size as fractions of the picture, 0 to 1. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The rank whose values count (colours the tile), then its replicas or fellow addends. */
  ranks: number[];
  /** Index of the owning rank in the mesh, for its colour. */
  colorIndex: number;
  role: ShardBlock['role'];
  label: string;
  title: string;
}

export interface ShardingPicture {
  /** The tensor axes drawn: [columns] for a 1-D tensor, [rows, columns] otherwise; [] for a scalar. */
  axes: number[];
  /** Sizes along the drawn axes. */
  extent: number[];
  tiles: ShardingTile[];
  /** One line per rank (at most `MAX_RANK_LINES`): its coordinate, block and role. */
  rankLines: string[];
  /** Ranks left out of `rankLines`, or of the tiles when the snapshot lists fewer blocks than ranks. */
  more: number;
  caption: string;
}

export const MAX_RANK_LINES = 16;

export function shardingPicture(shape: number[], sharding: TensorSharding): ShardingPicture {
  const axes = drawnAxes(shape.length, sharding.placements);
  const extent = axes.map(axis => shape[axis]);
  const blocks = sharding.blocks ?? [];
  const lines = blocks.slice(0, MAX_RANK_LINES).map(block => rankLine(block, sharding));
  return {
    axes,
    extent,
    tiles: sharding.blocks === null ? [] : tilesOf(blocks, axes, extent, sharding.mesh.ranks),
    rankLines: lines,
    more: sharding.blocks_total - lines.length,
    caption: caption(sharding)
  };
}

export function placementText(placement: ShardPlacement): string {
  switch (placement.kind) {
    case 'shard':
      return `Shard(${placement.dim})`;
    case 'replicate':
      return 'Replicate()';
    case 'partial':
      return `Partial(${placement.reduce_op})`;
    case 'other':
      return placement.text;
  }
}

/** A graph tensor's layout in words: `Shard(0) on mesh dp=2 (cpu)`, `[Shard(0), Replicate()] on mesh dp=2 × tp=2 (cpu)`. */
export function graphShardingText(sharding: GraphSharding): string {
  const placements = sharding.placements.map(placementText);
  const listed = placements.length === 1 ? placements[0] : `[${placements.join(', ')}]`;
  return `${listed} on mesh ${meshSizes(sharding.mesh)} (${sharding.mesh.device_type})`;
}

/** `dp=2 × tp=2`; unnamed dimensions are d0, d1, … as in the summary line. */
function meshSizes(mesh: { shape: number[]; dim_names: string[] | null }): string {
  const names = mesh.dim_names ?? mesh.shape.map((_, dim) => `d${dim}`);
  return mesh.shape.map((size, dim) => `${names[dim]}=${size}`).join(' × ');
}

function drawnAxes(dims: number, placements: ShardPlacement[]): number[] {
  if (dims === 0) return [];
  if (dims === 1) return [0];
  const sharded = placements.flatMap(p => (p.kind === 'shard' ? [((p.dim % dims) + dims) % dims] : []));
  const chosen: number[] = [];
  for (const axis of [...sharded, dims - 1, dims - 2, ...Array.from({ length: dims }, (_, i) => dims - 1 - i)]) {
    if (!chosen.includes(axis) && chosen.length < 2) chosen.push(axis);
  }
  return chosen.sort((a, b) => a - b);
}

function tilesOf(blocks: ShardBlock[], axes: number[], extent: number[], meshRanks: number[]): ShardingTile[] {
  const groups = new Map<string, ShardBlock[]>();
  for (const block of blocks) {
    if (axes.some(axis => block.shape[axis] === 0)) continue;
    const key = axes.map(axis => `${block.offset[axis]}+${block.shape[axis]}`).join(',');
    groups.set(key, [...(groups.get(key) ?? []), block]);
  }
  return [...groups.values()].map(group => tileOf(group, axes, extent, meshRanks));
}

function tileOf(group: ShardBlock[], axes: number[], extent: number[], meshRanks: number[]): ShardingTile {
  const owner = group.find(block => block.role === 'shard') ?? group[0];
  const ranks = [owner.rank, ...group.filter(block => block !== owner).map(block => block.rank)];
  const [row, column] = axes.length === 1 ? [null, axes[0]] : axes;
  const [rows, columns] = axes.length === 1 ? [1, extent[0]] : extent;
  const span = (axis: number | null) => (axis === null ? '' : `${owner.offset[axis]}:${owner.offset[axis] + owner.shape[axis]}`);
  const where = row === null ? `[${span(column)}]` : `[${span(row)}, ${span(column)}]`;
  return {
    x: owner.offset[column] / columns,
    y: row === null ? 0 : owner.offset[row] / rows,
    width: owner.shape[column] / columns,
    height: row === null ? 1 : owner.shape[row] / rows,
    ranks,
    colorIndex: meshRanks.indexOf(owner.rank),
    role: owner.role,
    label: tileLabel(owner.role, ranks),
    title: `${where} held by ${tileLabel(owner.role, ranks)}${owner.role === 'partial' ? ' (each an addend)' : ''}`
  };
}

function tileLabel(role: ShardBlock['role'], ranks: number[]): string {
  if (ranks.length === 1) return `rank ${ranks[0]}`;
  if (role === 'partial') return `partial on ${ranks.join(', ')}`;
  return `rank ${ranks[0]} (copies ${ranks.slice(1).join(', ')})`;
}

function rankLine(block: ShardBlock, sharding: TensorSharding): string {
  const names = sharding.mesh.dim_names;
  const coordinate = block.coordinate.map((index, dim) => `${names?.[dim] ?? `d${dim}`}=${index}`).join(' ');
  const held = block.shape.includes(0) ? 'no elements' : `${formatShape(block.shape)} at ${formatShape(block.offset)}`;
  const role = block.role === 'shard' ? '' : block.role === 'replica' ? ', a copy' : ', an addend';
  return `rank ${block.rank} (${coordinate}): ${held}${role}`;
}

function caption(sharding: TensorSharding): string {
  const mesh = sharding.mesh;
  const sizes = meshSizes(mesh);
  const placements = sharding.placements.map(placementText).join(', ');
  // No collective: one rank read its own metadata alone (the page of a model's parameter card asked it).
  const figures = sharding.collectives === 0 ? `read by rank ${sharding.rank} alone, with no collective` : 'statistics of the global tensor';
  return `${mesh.shape.reduce((a, b) => a * b, 1)} ranks on ${mesh.device_type}, mesh ${sizes}, placements [${placements}]; ${figures}`;
}
