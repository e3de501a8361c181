/**
 * The line plot of a 1-D tensor: its values left to right; where a preview is downsampled,
 * the mean of each block as the line and the block's smallest and largest element as a band
 * around it, so that averaging hides no spike. The axis spans what is drawn, the band included.
 */

import { formatFloat32, formatNumber } from '../../core/numbers';
import { cellIndexText, downsampleCaption, previewValues, sliceCaption } from '../../core/tensor/preview';
import type { TensorPreview } from '../../core/schema';
import { element } from '../dom';
import { readOutLine } from './readout';
import type { View } from '../view';

export interface LineData {
  preview: TensorPreview;
  label: string;
  /** Elements along the axis drawn. */
  length: number;
}

const WIDTH_PX = 360;
const HEIGHT_PX = 120;
const BAND_OPACITY = 0.3;

export function mountLine(el: HTMLElement, data: LineData): View<LineData> {
  const readOut = readOutLine('point at the plot for the values there');
  const [title, captions, canvas, axis] = [
    element('h3', 'torchinspect-plot-title'),
    element('div', 'torchinspect-heatmap-captions'),
    element('canvas', 'torchinspect-line-canvas'),
    element('div', 'torchinspect-line-axis')
  ] as const;
  canvas.setAttribute('role', 'img');
  const root = element('div', 'torchinspect-plot torchinspect-line');
  root.append(title, captions, canvas, axis, readOut.node);
  el.appendChild(root);
  const listening = new AbortController();
  let current = data;
  let series = seriesOf(data.preview);

  const render = (next: LineData): void => {
    current = next;
    series = seriesOf(next.preview);
    const what = series.enveloped ? 'mean of each block, with its min–max band' : 'each element';
    title.textContent = `${next.label} by index`;
    canvas.setAttribute('aria-label', `line plot of ${next.label}: ${what}`);
    const notes = [sliceCaption(next.preview), envelopeCaption(next.preview, series)].filter((text): text is string => text !== null);
    captions.replaceChildren(...notes.map(text => element('p', 'torchinspect-plot-note', text)));
    const [lo, hi] = drawSeries(canvas, series);
    axis.replaceChildren(
      element('span', '', `${formatNumber(lo)} … ${formatNumber(hi)}`),
      element('span', '', `index 0 … ${next.length - 1}`)
    );
  };
  canvas.addEventListener('pointermove', event => {
    const cell = Math.min(series.mean.length - 1, Math.floor((event.offsetX / canvas.clientWidth) * series.mean.length));
    readOut.show(cell >= 0 ? readOutOf(current.preview, series, cell) : null);
  }, { signal: listening.signal });
  canvas.addEventListener('pointerleave', () => readOut.show(null), { signal: listening.signal });
  render(data);
  const destroy = (): void => {
    listening.abort();
    root.remove();
  };
  return { update: render, destroy };
}

interface Series {
  mean: Float32Array;
  low: Float32Array;
  high: Float32Array;
  enveloped: boolean;
}

function seriesOf(preview: TensorPreview): Series {
  const mean = previewValues(preview);
  if (preview.lo === undefined || preview.hi === undefined) return { mean, low: mean, high: mean, enveloped: false };
  const low = previewValues({ ...preview, data: preview.lo });
  const high = previewValues({ ...preview, data: preview.hi });
  return { mean, low, high, enveloped: true };
}

function envelopeCaption(preview: TensorPreview, series: Series): string | null {
  const blocks = downsampleCaption(preview);
  if (blocks === null) return null;
  return series.enveloped ? `${blocks}; the band spans each block's min to max` : blocks;
}

/** Paints the band and the line; returns the value range the vertical axis spans. */
function drawSeries(canvas: HTMLCanvasElement, series: Series): [number, number] {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = WIDTH_PX * ratio;
  canvas.height = HEIGHT_PX * ratio;
  canvas.style.width = `${WIDTH_PX}px`;
  canvas.style.height = `${HEIGHT_PX}px`;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('torchinspect: this browser cannot draw on a canvas.');
  context.scale(ratio, ratio);
  const finite = [...series.low, ...series.high].filter(Number.isFinite);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (finite.length === 0) [lo, hi] = [0, 0];
  const spread = hi > lo ? hi - lo : 1;
  const x = (cell: number): number => ((cell + 0.5) / series.mean.length) * WIDTH_PX;
  const y = (value: number): number => HEIGHT_PX - 4 - ((value - (hi > lo ? lo : lo - 0.5)) / spread) * (HEIGHT_PX - 8);
  const stroke = getComputedStyle(canvas).getPropertyValue('--torchinspect-line-stroke').trim() || '#1f77b4';
  if (series.enveloped) {
    context.fillStyle = stroke;
    context.globalAlpha = BAND_OPACITY;
    series.mean.forEach((_, cell) => {
      if (!Number.isFinite(series.low[cell]) || !Number.isFinite(series.high[cell])) return;
      const top = y(series.high[cell]);
      context.fillRect(x(cell) - WIDTH_PX / series.mean.length / 2, top, Math.max(1, WIDTH_PX / series.mean.length), Math.max(1, y(series.low[cell]) - top));
    });
    context.globalAlpha = 1;
  }
  context.strokeStyle = stroke;
  context.lineWidth = 1.5;
  context.beginPath();
  let drawing = false;
  series.mean.forEach((value, cell) => {
    if (!Number.isFinite(value)) {
      drawing = false;
      return;
    }
    if (drawing) context.lineTo(x(cell), y(value));
    else context.moveTo(x(cell), y(value));
    drawing = true;
  });
  context.stroke();
  if (series.mean.length <= 64) {
    context.fillStyle = context.strokeStyle;
    series.mean.forEach((value, cell) => Number.isFinite(value) && context.fillRect(x(cell) - 1.5, y(value) - 1.5, 3, 3));
  }
  return [lo, hi];
}

function readOutOf(preview: TensorPreview, series: Series, cell: number): string {
  const index = cellIndexText(preview, cell);
  if (!series.enveloped) return `${index} = ${formatFloat32(series.mean[cell])}`;
  return `${index} mean ${formatFloat32(series.mean[cell])}, min ${formatFloat32(series.low[cell])}, max ${formatFloat32(series.high[cell])}`;
}
