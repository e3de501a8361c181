/**
 * Draws the frames of open modules: a tinted rectangle around what the module holds, under a
 * header that names it and closes it on a click. Drawn under the links and boxes; every label
 * is an SVG text node's textContent, never markup.
 */

import type { PlacedFrame } from '../../core/graph/geometry';
import { FRAME_HEADER_PX, FRAME_PAD_PX, frameTitle } from '../../core/graph/nested_layout';
import { svgElement } from './svg';

export const FRAME_CLASS = 'torchinspect-graph-frame';
export const FRAME_HEADER_CLASS = 'torchinspect-graph-frame-header';

export function drawFrames(frames: PlacedFrame[]): SVGGElement {
  const layer = svgElement('g', 'torchinspect-graph-frames');
  for (const frame of frames) layer.appendChild(frameElement(frame));
  return layer;
}

function frameElement({ module, x, y, width, height }: PlacedFrame): SVGGElement {
  const group = svgElement('g', FRAME_CLASS, { transform: `translate(${x - width / 2}, ${y - height / 2})` });
  group.dataset.path = module.path;
  group.appendChild(svgElement('rect', 'torchinspect-graph-frame-box', { width, height, rx: 8, ry: 8 }));
  const header = svgElement('g', FRAME_HEADER_CLASS);
  const tooltip = svgElement('title', '');
  tooltip.textContent = `${module.path}: click to close it into one box`;
  const title = svgElement('text', 'torchinspect-graph-frame-title', { x: FRAME_PAD_PX, y: FRAME_HEADER_PX / 2 + 4 });
  title.textContent = frameTitle(module);
  header.append(tooltip, svgElement('rect', 'torchinspect-graph-frame-hit', { width, height: FRAME_HEADER_PX, rx: 8, ry: 8 }), title);
  group.appendChild(header);
  return group;
}
