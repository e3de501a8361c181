/**
 * Exports of the graph view: the drawing as a standalone SVG (styles resolved inline, since
 * the stylesheet and the host's theme variables do not travel with the file), as a PNG drawn
 * from that SVG, and the snapshot as JSON.
 */

import { cull } from './culling';
import { WORDLESS_CLASS } from './overview';
import { drawingOf } from './svg';
import type { GraphSnapshot } from '../../core/schema';

/** The properties the drawing's look depends on, copied from the live page onto the copy. */
const STYLED_PROPERTIES = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'visibility', 'display',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'paint-order'
];
/** A canvas side browsers draw reliably; a bigger drawing is scaled down to it. */
const MAX_PNG_SIDE_PX = 8192;
const PNG_PIXEL_RATIO = 2;

/** The whole drawing, not the part panned into view, as SVG text that needs no stylesheet. */
export function standaloneSvg(svg: SVGSVGElement, content: SVGGElement, size: { width: number; height: number }): string {
  // A big graph seen from afar is drawn on a canvas, its SVG out of the page (overview.ts), and
  // near, only what is near the view is displayed (culling.ts): the file holds every box.
  const detached = !content.isConnected;
  if (detached) svg.append(content);
  const drawing = drawingOf(content);
  if (drawing !== null) cull(drawing, null);
  // Seen from afar the stage draws no words (overview.ts); the file has them, as the drawing does.
  const wordless = svg.classList.contains(WORDLESS_CLASS);
  svg.classList.remove(WORDLESS_CLASS);
  const copy = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, copy);
  svg.classList.toggle(WORDLESS_CLASS, wordless);
  if (detached) content.remove();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.ceil(size.width)));
  copy.setAttribute('height', String(Math.ceil(size.height)));
  copy.setAttribute('viewBox', `0 0 ${Math.ceil(size.width)} ${Math.ceil(size.height)}`);
  copy.removeAttribute('style');
  copy.removeAttribute('class');
  copy.querySelector<SVGGElement>(`[data-part="${content.dataset.part}"]`)?.removeAttribute('transform');
  const background = copy.ownerDocument.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', backgroundOf(svg));
  copy.insertBefore(background, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

export function downloadSvg(text: string, filename: string): void {
  download(new Blob([text], { type: 'image/svg+xml' }), filename);
}

export function downloadJson(snapshot: GraphSnapshot, filename: string): void {
  download(new Blob([JSON.stringify(snapshot)], { type: 'application/json' }), filename);
}

/** Draws the standalone SVG into a canvas, at twice its size where that fits. */
export async function downloadPng(svgText: string, size: { width: number; height: number }, filename: string): Promise<void> {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    image.src = url;
    await image.decode();
    const ratio = Math.min(PNG_PIXEL_RATIO, MAX_PNG_SIDE_PX / Math.max(size.width, size.height, 1));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(size.width * ratio));
    canvas.height = Math.max(1, Math.round(size.height * ratio));
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('torchinspect: this browser cannot draw on a canvas; export SVG instead.');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>(resolve => canvas.toBlob(resolve, 'image/png'));
    if (blob === null) throw new Error('torchinspect: the browser could not encode the PNG; export SVG instead.');
    download(blob, filename);
  } finally {
    URL.revokeObjectURL(url);
  }
}

function inlineStyles(source: Element, copy: Element): void {
  const sources = [source, ...source.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  sources.forEach((node, position) => {
    const computed = getComputedStyle(node);
    const style = STYLED_PROPERTIES.map(name => `${name}:${computed.getPropertyValue(name)}`).join(';');
    copies[position].setAttribute('style', style);
  });
}

/** The first opaque background behind the drawing, so the file reads the same on any viewer. */
function backgroundOf(node: Element): string {
  for (let at: Element | null = node; at !== null; at = at.parentElement) {
    const colour = getComputedStyle(at).backgroundColor;
    if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return '#ffffff';
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The click starts the download at once; the URL is kept a moment for browsers that read it late.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
