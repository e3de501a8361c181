/**
 * The layout of a DTensor: the global tensor as a grid of the blocks its ranks hold, each tile
 * coloured by the rank whose values count there and named by every rank that holds it, beside
 * the mesh and placements in words and one line per rank. Drawn from the snapshot's `sharding`.
 */

import { parseTensorSnapshot } from '../../core/schema';
import { shardingPicture, type ShardingPicture, type ShardingTile } from '../../core/tensor/sharding';
import { formatShape } from '../../core/format';
import { element } from '../dom';
import type { View } from '../view';

const SVG = 'http://www.w3.org/2000/svg';
/** Tableau 10: ten colours told apart in both themes; rank i takes colour i mod 10. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** The picture's longer side, in pixels. */
const SIDE = 320;
/** Width of one character of the tiles' 11 px monospace labels. */
const CHARACTER_WIDTH = 6.7;

/** Mounted for every snapshot as it arrives; it shows itself only for a DTensor's (one with `sharding`). */
export function mountSharding(el: HTMLElement, snapshot: unknown): View<unknown> {
  const root = element('section', 'torchinspect torchinspect-sharding');
  root.setAttribute('aria-label', 'sharding layout');
  el.appendChild(root);
  const update = (data: unknown): void => {
    const next = shardedSnapshot(data);
    const sharding = next?.sharding;
    root.hidden = next === null || sharding === undefined || sharding === null;
    if (next === null || sharding === undefined || sharding === null) {
      root.replaceChildren();
      return;
    }
    const picture = shardingPicture(next.shape as number[], sharding);
    // Read by one rank alone: what the empty panels above would need, said where the layout is.
    const needs = next.statistics === null && sharding.collectives === 0 ? next.not_computed.statistics : undefined;
    root.replaceChildren(
      element('h3', 'torchinspect-group-title', `layout of ${formatShape(next.shape)} over ${sharding.blocks_total} ranks`),
      element('p', 'torchinspect-note torchinspect-sharding-caption', picture.caption),
      ...(needs === undefined ? [] : [element('p', 'torchinspect-note torchinspect-sharding-needs', needs)]),
      drawing(picture),
      rankList(picture)
    );
  };
  update(snapshot);
  return { update, destroy: () => root.remove() };
}

/** The snapshot, or null when the data is none (the inspector says why in its place). */
function shardedSnapshot(data: unknown): ReturnType<typeof parseTensorSnapshot> | null {
  try {
    return parseTensorSnapshot(data);
  } catch {
    return null;
  }
}

function drawing(picture: ShardingPicture): HTMLElement {
  const figure = element('figure', 'torchinspect-sharding-figure');
  if (picture.tiles.length === 0) {
    figure.appendChild(element('p', 'torchinspect-note', picture.axes.length === 0 ? 'a scalar: every rank holds its one value' : 'this layout is described in words only'));
    return figure;
  }
  const [width, height] = pictureSize(picture);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', picture.tiles.map(tile => tile.title).join('; '));
  for (const tile of picture.tiles) svg.appendChild(tileGroup(tile, width, height));
  const axes = picture.axes.length === 1 ? `axis ${picture.axes[0]} →` : `axis ${picture.axes[1]} →, axis ${picture.axes[0]} ↓`;
  figure.append(svg, element('figcaption', 'torchinspect-note', axes));
  return figure;
}

/**
 * The picture's size in pixels: the tensor's proportions, its longer side SIDE, within 1:4 either
 * way (a 1-D tensor is a strip), so that a tall tensor's picture is tall and a wide one wide.
 */
function pictureSize(picture: ShardingPicture): [number, number] {
  if (picture.axes.length === 1) return [SIDE, 48];
  const [rows, columns] = picture.extent;
  const aspect = Math.min(4, Math.max(0.25, rows / columns));
  return aspect <= 1 ? [SIDE, Math.round(SIDE * aspect)] : [Math.round(SIDE / aspect), SIDE];
}

function tileGroup(tile: ShardingTile, pictureWidth: number, height: number): SVGGElement {
  const group = document.createElementNS(SVG, 'g');
  group.setAttribute('class', `torchinspect-sharding-tile torchinspect-sharding-${tile.role}`);
  const x = tile.x * pictureWidth;
  const y = tile.y * height;
  // A block thinner than a pixel still shows: two pixels wide at least.
  const width = Math.max(2, tile.width * pictureWidth);
  const tall = Math.max(2, tile.height * height);
  const rect = document.createElementNS(SVG, 'rect');
  for (const [name, value] of Object.entries({ x, y, width, height: tall })) rect.setAttribute(name, String(value));
  rect.setAttribute('fill', PALETTE[Math.max(0, tile.colorIndex) % PALETTE.length]);
  const title = document.createElementNS(SVG, 'title');
  title.textContent = tile.title;
  group.append(title, rect);
  // The label, or the ranks alone where it does not fit (the title and the list below say the rest).
  const label = [tile.label, tile.ranks.join(',')].find(text => text.length * CHARACTER_WIDTH < width - 4);
  if (label !== undefined && tall >= 16) {
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('x', String(x + width / 2));
    text.setAttribute('y', String(y + tall / 2));
    text.setAttribute('text-anchor', 'middle');
    text.setAttribute('dominant-baseline', 'central');
    text.textContent = label;
    group.appendChild(text);
  }
  return group;
}

function rankList(picture: ShardingPicture): HTMLElement {
  const list = element('ul', 'torchinspect-sharding-ranks');
  for (const line of picture.rankLines) list.appendChild(element('li', '', line));
  if (picture.more > 0) list.appendChild(element('li', 'torchinspect-note', `… and ${picture.more} more ranks`));
  return list;
}
