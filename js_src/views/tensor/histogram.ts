/**
 * The histogram: bars of the finite values from lo to hi, with NaN, +Inf and -Inf as bars
 * of their own beside them, a log-scale toggle, and a read-out of the bar under the
 * pointer or the keyboard cursor. Bars are DOM elements: at most 67 of them.
 */

import { SPECIAL_COLORS, cssColor } from '../../core/colormap';
import {
  axisLabels,
  barHeights,
  barReadOut,
  binBars,
  samplingNote,
  specialBars,
  type AxisLabel,
  type Bar
} from '../../core/tensor/histogram';
import { formatCount } from '../../core/numbers';
import type { TensorHistogram, TensorStatistics } from '../../core/schema';
import { element } from '../dom';
import { readOutLine } from './readout';
import type { View } from '../view';

export interface HistogramData {
  histogram: TensorHistogram | null;
  /** What the values are, such as "values" or "grad"; by default what the histogram says. */
  label?: string;
  /** Gives the NaN, +Inf and -Inf counts; null draws the finite bins alone. */
  statistics: TensorStatistics | null;
  /** Why there is no histogram, shown in its place. */
  notComputed?: string;
}

/** Opacity (of 255) of the tint behind a NaN or Inf bar. */
const SPECIAL_TINT_ALPHA = 32;

const KEYBOARD_HINT = 'point at a bar, or focus the plot and use ← →, for its count';

export function mountHistogram(el: HTMLElement, data: HistogramData): View<HistogramData> {
  const listening = new AbortController();
  const root = element('div', 'torchinspect-plot torchinspect-histogram');
  const header = element('div', 'torchinspect-plot-header');
  const title = element('h3', 'torchinspect-plot-title');
  const logToggle = element('button', 'torchinspect-plot-toggle', 'log scale');
  logToggle.type = 'button';
  header.append(title, logToggle);
  const plot = element('div', 'torchinspect-histogram-plot');
  plot.tabIndex = 0;
  plot.setAttribute('role', 'group');
  plot.setAttribute('aria-label', 'histogram bars: the left and right arrow keys read each bar');
  const note = element('p', 'torchinspect-plot-note');
  const readOut = readOutLine(KEYBOARD_HINT);
  const reason = element('p', 'torchinspect-plot-reason');
  root.append(header, plot, note, readOut.node, reason);
  el.appendChild(root);

  let current = data;
  let bars: Bar[] = [];
  let log = false;
  let selected: number | null = null;

  const select = (index: number | null): void => {
    selected = index === null || bars.length === 0 ? null : Math.min(Math.max(index, 0), bars.length - 1);
    plot.querySelectorAll('.torchinspect-histogram-bin').forEach((bin, i) => {
      bin.classList.toggle('is-selected', i === selected);
    });
    readOut.show(selected === null ? null : barReadOut(bars[selected], current.histogram?.sample_every ?? 1));
  };
  const render = (): void => {
    const { histogram, statistics, notComputed } = current;
    title.textContent = `histogram of ${current.label ?? histogram?.of ?? statistics?.of ?? 'values'}`;
    logToggle.setAttribute('aria-pressed', String(log));
    for (const part of [logToggle, plot, note, readOut.node]) part.hidden = histogram === null;
    reason.hidden = histogram !== null;
    reason.textContent = histogram === null ? notComputed ?? 'not computed' : '';
    if (histogram === null) {
      bars = [];
      plot.replaceChildren();
      return;
    }
    bars = barsInOrder(histogram, statistics);
    plot.replaceChildren(...drawBars(histogram, bars, log));
    note.textContent = samplingNote(histogram) ?? '';
    note.hidden = note.textContent === '';
    select(selected);
  };

  logToggle.addEventListener('click', () => {
    log = !log;
    render();
  }, { signal: listening.signal });
  listenForCursor(plot, () => selected, select, listening.signal);
  render();
  return {
    update: next => {
      current = next;
      render();
    },
    destroy: () => {
      listening.abort();
      root.remove();
    }
  };
}

/** -Inf to the left of the finite values, +Inf then NaN to their right. */
function barsInOrder(histogram: TensorHistogram, statistics: TensorStatistics | null): Bar[] {
  const specials = specialBars(statistics);
  return [
    ...specials.filter(bar => bar.special === 'neginf'),
    ...binBars(histogram),
    ...specials.filter(bar => bar.special !== 'neginf')
  ];
}

function drawBars(histogram: TensorHistogram, bars: Bar[], log: boolean): HTMLElement[] {
  const heights = barHeights(bars, histogram.sample_every, log);
  const bins = bars.map((bar, i) => drawBin(bar, heights[i]));
  const main = element('div', 'torchinspect-histogram-group is-main');
  const mainBars = element('div', 'torchinspect-histogram-bars');
  mainBars.append(...bins.filter((_, i) => !bars[i].special));
  main.append(mainBars, drawAxis(axisLabels(histogram)));
  const specialGroup = (i: number): HTMLElement => {
    const group = element('div', 'torchinspect-histogram-group is-special');
    const holder = element('div', 'torchinspect-histogram-bars');
    holder.append(bins[i]);
    group.append(holder, element('span', 'torchinspect-histogram-special-label', bars[i].label));
    return group;
  };
  return bars.flatMap((bar, i) => (bar.special ? [specialGroup(i)] : i === firstBin(bars) ? [main] : []));
}

function firstBin(bars: Bar[]): number {
  return bars.findIndex(bar => !bar.special);
}

/**
 * A full-height column (what the pointer hits) holding the bar itself. A NaN or Inf column
 * is tinted in its colour and states its count: one NaN among millions must not hide.
 */
function drawBin(bar: Bar, height: number): HTMLElement {
  const bin = element('div', 'torchinspect-histogram-bin');
  const fill = element('div', 'torchinspect-histogram-bar');
  // A bar of a few values among millions still gets a visible pixel or three.
  const least = bar.special ? 3 : 1;
  fill.style.height = bar.count > 0 ? `max(${least}px, ${(height * 100).toFixed(2)}%)` : '0';
  if (bar.special) {
    const [r, g, b] = SPECIAL_COLORS[bar.special];
    bin.dataset.special = bar.special;
    bin.style.background = cssColor([r, g, b, SPECIAL_TINT_ALPHA]);
    fill.style.background = cssColor(SPECIAL_COLORS[bar.special]);
    bin.appendChild(element('span', 'torchinspect-histogram-special-count', formatCount(bar.count)));
  }
  bin.appendChild(fill);
  return bin;
}

function drawAxis(labels: AxisLabel[]): HTMLElement {
  const axis = element('div', 'torchinspect-histogram-axis');
  axis.append(
    ...labels.map(label => {
      const text = element('span', `torchinspect-histogram-tick is-${label.align}`, label.text);
      text.style.left = `${label.at * 100}%`;
      return text;
    })
  );
  return axis;
}

/** Pointer and arrow keys move one cursor over the bars, in the order they are drawn. */
function listenForCursor(
  plot: HTMLElement,
  selected: () => number | null,
  select: (index: number | null) => void,
  signal: AbortSignal
): void {
  const binIndex = (target: EventTarget | null): number => {
    const bin = (target as HTMLElement | null)?.closest('.torchinspect-histogram-bin');
    return bin ? [...plot.querySelectorAll('.torchinspect-histogram-bin')].indexOf(bin) : -1;
  };
  plot.addEventListener('pointerover', event => {
    const index = binIndex(event.target);
    if (index >= 0) select(index);
  }, { signal });
  plot.addEventListener('pointerleave', () => {
    if (document.activeElement !== plot) select(null);
  }, { signal });
  plot.addEventListener('focus', () => select(selected() ?? 0), { signal });
  plot.addEventListener('blur', () => select(null), { signal });
  plot.addEventListener('keydown', event => {
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    select((selected() ?? 0) + step);
  }, { signal });
}
