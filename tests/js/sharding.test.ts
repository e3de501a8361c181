import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';

import type { TensorSnapshot } from '../../js_src/core/schema';
import { MAX_RANK_LINES, placementText, shardingPicture } from '../../js_src/core/tensor/sharding';
import sharded from '../fixtures/sharded.json';
import { tensorSchema } from './fixtures';

/** Rank 0's snapshots of DTensors in real gloo worlds of 2 and 4 ranks (tests/python/test_distributed.py). */
const snapshots = sharded as unknown as Record<string, TensorSnapshot>;

function pictureOf(name: string) {
  const snapshot = snapshots[name];
  return shardingPicture(snapshot.shape as number[], snapshot.sharding!);
}

describe('the sharding picture of a DTensor', () => {
  const validate = new Ajv2020({ strict: true }).compile(tensorSchema);

  it.each(Object.keys(snapshots))('the snapshot "%s" follows the schema', name => {
    expect(validate(snapshots[name]), JSON.stringify(validate.errors)).toBe(true);
  });

  it('cuts a Shard(0) tensor into a band per rank, top to bottom', () => {
    const picture = pictureOf('shard0_2d');
    expect(picture.axes).toEqual([0, 1]);
    expect(picture.extent).toEqual([301, 257]);
    expect(picture.tiles.map(tile => [tile.label, tile.y, tile.height, tile.x, tile.width])).toEqual([
      ['rank 0', 0, 151 / 301, 0, 1],
      ['rank 1', 151 / 301, 150 / 301, 0, 1]
    ]);
    expect(picture.rankLines).toEqual(['rank 0 (dp=0): [151, 257] at [0, 0]', 'rank 1 (dp=1): [150, 257] at [151, 0]']);
    expect(picture.caption).toBe('2 ranks on cpu, mesh dp=2, placements [Shard(0)]; statistics of the global tensor');
  });

  it("says when one rank read the layout alone, as an FSDP2 parameter's card", () => {
    const picture = pictureOf('fsdp2_card');
    expect(picture.caption).toBe('2 ranks on cpu, mesh d0=2, placements [Shard(0)]; read by rank 0 alone, with no collective');
    expect(picture.tiles.map(tile => [tile.label, tile.y, tile.height])).toEqual([
      ['rank 0', 0, 0.5],
      ['rank 1', 0.5, 0.5]
    ]);
  });

  it('draws a 2-D mesh sharding both axes as a 2 × 2 grid of four ranks', () => {
    const tiles = pictureOf('mesh2d_shard_shard').tiles;
    expect(tiles.map(tile => tile.ranks)).toEqual([[0], [1], [2], [3]]);
    expect(tiles.map(tile => [tile.x > 0, tile.y > 0])).toEqual([[false, false], [true, false], [false, true], [true, true]]);
    expect(new Set(tiles.map(tile => tile.colorIndex)).size).toBe(4);
  });

  it('shows a replicated mesh dimension as one tile per block, naming its copies', () => {
    const picture = pictureOf('mesh2d_replicate_shard');
    expect(picture.tiles.map(tile => tile.label)).toEqual(['rank 0 (copies 2)', 'rank 1 (copies 3)']);
    expect(picture.rankLines[2]).toBe('rank 2 (dp=1 tp=0): [25, 9] at [0, 0], a copy');
  });

  it('shows a Partial tensor as one block every rank adds to', () => {
    const picture = pictureOf('partial_sum');
    expect(picture.tiles.map(tile => [tile.label, tile.role])).toEqual([['partial on 0, 1', 'partial']]);
    expect(placementText({ kind: 'partial', reduce_op: 'sum' })).toBe('Partial(sum)');
  });

  it('lists at most a bounded number of ranks and counts the rest', () => {
    const snapshot = snapshots.shard0_2d;
    const blocks = Array.from({ length: 40 }, (_, rank) => ({ ...snapshot.sharding!.blocks![0], rank, coordinate: [rank] }));
    const picture = shardingPicture([301, 257], { ...snapshot.sharding!, blocks, blocks_total: 40 });
    expect(picture.rankLines).toHaveLength(MAX_RANK_LINES);
    expect(picture.more).toBe(40 - MAX_RANK_LINES);
  });
});
