/**
 * The graph view for bench/browser_graphs.py, bundled by it: window.bench mounts a snapshot
 * on a host framed like the card, times it from the view's own performance marks and to the
 * next painted frame, clicks the view's buttons, and records frame times while the bench
 * pans and zooms.
 */

import type { GraphSnapshot } from '../js_src/core/schema';
import { mountGradientFlow } from '../js_src/views/flow/flow';
import { mountGraph, type GraphData } from '../js_src/views/graph/graph';
import type { View } from '../js_src/views/view';

interface Timing {
  /** Milliseconds the view took, from its marks (mount) or around the click. */
  drawn: number;
  /** Milliseconds until the next frame was painted. */
  painted: number;
  boxes: number;
}

const host = document.getElementById('host')!;
let view: View<GraphData> | null = null;
let frames: number[] = [];
let recording = false;

/** Resolves after the browser painted the frame that follows: a task queued from a frame callback. */
function nextPaint(): Promise<void> {
  return new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** The boxes drawn, as the status line counts them: the page holds only those near the view. */
function boxes(): number {
  const status = host.querySelector('.torchinspect-graph-status')?.textContent ?? '';
  return Number(/^([\d,]+) boxes/.exec(status)?.[1].replace(/,/g, '') ?? NaN);
}

const bench = {
  async mount(graph: GraphSnapshot): Promise<Timing> {
    view?.destroy();
    const started = performance.now();
    view = mountGraph(host, { graph }, { layer: mountGradientFlow });
    const [mounted] = performance.getEntriesByName('torchinspect:graph-mounted').slice(-1);
    const [drawn] = performance.getEntriesByName('torchinspect:graph-drawn').slice(-1);
    await nextPaint();
    return { drawn: drawn.startTime - mounted.startTime, painted: performance.now() - started, boxes: boxes() };
  },
  /** Clicks the toolbar button whose label starts with `label`. */
  async click(label: string): Promise<Timing> {
    const button = host.querySelector<HTMLButtonElement>(`button[aria-label^="${label}"]`)!;
    const started = performance.now();
    button.click();
    const drawn = performance.now() - started;
    await nextPaint();
    return { drawn, painted: performance.now() - started, boxes: boxes() };
  },
  /** Opens every folded box to all its units, as a Shift+click does, until none is left. */
  async openEveryFold(): Promise<Timing> {
    const started = performance.now();
    const folded = (): Element | null => host.querySelector('.torchinspect-graph-box.is-folded');
    for (let box = folded(); box !== null; box = folded()) {
      box.dispatchEvent(new MouseEvent('click', { bubbles: true, shiftKey: true }));
    }
    const drawn = performance.now() - started;
    await nextPaint();
    return { drawn, painted: performance.now() - started, boxes: boxes() };
  },
  startFrames(): void {
    frames = [];
    recording = true;
    let last = performance.now();
    const tick = (now: number): void => {
      if (!recording) return;
      frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  },
  /** The times between the frames painted since startFrames, in milliseconds. */
  stopFrames(): number[] {
    recording = false;
    return frames.slice(1);
  }
};

(window as unknown as { bench: typeof bench }).bench = bench;
