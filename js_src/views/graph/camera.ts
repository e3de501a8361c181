/**
 * Pan and zoom: one transform on the group that holds the drawing, written at most once per
 * animation frame. Nothing is laid out or redrawn while the user moves around.
 *
 * The view starts at an automatic fit, which a resize of the stage fits again (the notebook
 * narrows when a side panel opens) until the user zooms or pans; from then on a resize keeps
 * their zoom and what they had in the middle. The wheel scrolls the page over the graph, as it
 * does over a map in a web page, unless Ctrl or ⌘ is held (a trackpad's pinch is one) or the
 * graph has the focus (a click gives it): the first plain wheel says so in a hint. Seen from
 * afar, a big graph is drawn as its overview (overview.ts).
 */

import { mountOverview } from './overview';

export interface Camera {
  zoomBy(factor: number, around?: { x: number; y: number }): void;
  /** Scales the drawing to the stage, no larger than life-and-a-half for small graphs. */
  fit(width: number, height: number): void;
  /**
   * Fits the drawing, or where that would shrink its text past reading, shows it at the
   * smallest readable zoom around `anchor` (the root's box), as much of the drawing in view as
   * the stage holds. Says whether the whole drawing shows.
   */
  fitReadable(width: number, height: number, anchor: { x: number; y: number }): boolean;
  /** Moves a drawing point (a box's centre) to the middle of the stage. */
  centerOn(x: number, y: number): void;
  destroy(): void;
}

const MIN_SCALE = 0.02;
const MAX_SCALE = 4;
const FIT_MAX_SCALE = 1.5;
const FIT_MARGIN_PX = 16;
/** The smallest zoom a view opens at: the 12 px box titles drawn at 11 px, the least that reads. */
export const READABLE_SCALE = 11 / 12;
const WHEEL_ZOOM_PER_PIXEL = 0.0015;
/** A press that moves less than this is a click, not a drag. */
const DRAG_THRESHOLD_PX = 3;
const HINT_MS = 2500;

export function mountCamera(svg: SVGSVGElement, content: SVGGElement, hint: HTMLElement): Camera & { dragged(): boolean } {
  const listening = new AbortController();
  const view = { x: 0, y: 0, scale: 1 };
  let frame = 0;
  let moved = false;
  /** The fit the view is at, to do again when the stage is resized; null once the user moved. */
  let automatic: (() => void) | null = null;
  let stage = { width: 0, height: 0 };
  /**
   * The stage's size as last observed. Reading the element's instead would lay the page out on
   * the spot: after a drawing, its thousands of new elements (~70 ms for G4 with every node shown).
   */
  const size = (): { width: number; height: number } => (stage.width > 0 ? stage : { width: svg.clientWidth, height: svg.clientHeight });
  const middle = (): { x: number; y: number } => ({ x: size().width / 2, y: size().height / 2 });

  const overview = mountOverview(svg, content);
  const apply = (): void => {
    frame = 0;
    content.setAttribute('transform', `translate(${view.x} ${view.y}) scale(${view.scale})`);
    overview.update(view, size());
  };
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(apply);
  };
  const zoomAround = (factor: number, around = middle()): void => {
    const scale = clamp(view.scale * factor, MIN_SCALE, MAX_SCALE);
    view.x = around.x - ((around.x - view.x) * scale) / view.scale;
    view.y = around.y - ((around.y - view.y) * scale) / view.scale;
    view.scale = scale;
    schedule();
  };
  const place = (x: number, y: number): void => {
    const centre = middle();
    view.x = centre.x - x * view.scale;
    view.y = centre.y - y * view.scale;
    schedule();
  };
  const fitTo = (width: number, height: number): void => {
    const room = (side: number) => Math.max(side - 2 * FIT_MARGIN_PX, 1);
    const scale = Math.min(room(size().width) / Math.max(width, 1), room(size().height) / Math.max(height, 1));
    view.scale = clamp(scale, MIN_SCALE, FIT_MAX_SCALE);
    place(width / 2, height / 2);
  };
  /**
   * Runs a fit now, or once the stage's size is first observed (before the first paint, or when
   * a notebook output that mounted hidden shows), and again on each resize.
   */
  const fitAutomatically = (doFit: () => void): void => {
    automatic = doFit;
    if (stage.width > 0) doFit();
  };
  const fit = (width: number, height: number): void => fitAutomatically(() => fitTo(width, height));
  let whole = true;
  const fitReadable = (width: number, height: number, anchor: { x: number; y: number }): boolean => {
    whole = true;
    fitAutomatically(() => {
      fitTo(width, height);
      whole = view.scale >= READABLE_SCALE;
      if (whole) return;
      view.scale = READABLE_SCALE;
      place(anchor.x, anchor.y);
      view.x = clampOffset(view.x, width * view.scale, size().width);
      view.y = clampOffset(view.y, height * view.scale, size().height);
    });
    return whole;
  };
  const userMoves = (): void => {
    automatic = null;
  };

  const resizing = new ResizeObserver(() => {
    const next = { width: svg.clientWidth, height: svg.clientHeight };
    if (next.width === 0 || next.height === 0) return;
    const [dx, dy] = [next.width - stage.width, next.height - stage.height];
    const sized = stage.width > 0;
    stage = next;
    if (automatic !== null) {
      automatic();
      // Called before the paint: the fit shows in this frame, not the next.
      cancelAnimationFrame(frame);
      apply();
    } else if (sized && (dx !== 0 || dy !== 0)) {
      view.x += dx / 2;
      view.y += dy / 2;
      schedule();
    }
  });
  resizing.observe(svg);

  const wheelHint = mountWheelHint(hint);
  svg.addEventListener('wheel', event => {
    if (!(event.ctrlKey || event.metaKey || svg.matches(':focus'))) return wheelHint.show();
    event.preventDefault();
    userMoves();
    zoomAround(Math.exp(-event.deltaY * WHEEL_ZOOM_PER_PIXEL), pointerAt(svg, event));
  }, { signal: listening.signal, passive: false });
  svg.addEventListener('pointerdown', () => svg.focus({ preventScroll: true }), { signal: listening.signal });
  listenForDrag(svg, (dx, dy) => {
    userMoves();
    view.x += dx;
    view.y += dy;
    schedule();
  }, value => (moved = value), listening.signal);
  schedule();
  return {
    zoomBy: (factor, around) => {
      userMoves();
      zoomAround(factor, around);
    },
    fit,
    fitReadable,
    centerOn: (x, y) => {
      userMoves();
      place(x, y);
    },
    dragged: () => moved,
    destroy: () => {
      listening.abort();
      resizing.disconnect();
      wheelHint.destroy();
      overview.destroy();
      cancelAnimationFrame(frame);
    }
  };
}

/** The first plain wheel over the graph says how to zoom, for a moment, once per view. */
function mountWheelHint(hint: HTMLElement): { show(): void; destroy(): void } {
  const key = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';
  hint.textContent = `Use ${key} + scroll to zoom the graph, or click it first`;
  hint.hidden = true;
  let shown = false;
  let timer = 0;
  return {
    show() {
      if (shown) return;
      shown = true;
      hint.hidden = false;
      timer = window.setTimeout(() => (hint.hidden = true), HINT_MS);
    },
    destroy: () => window.clearTimeout(timer)
  };
}

/**
 * A translation that leaves no more than the margin empty before or after a drawing larger
 * than the stage (`drawn` long on screen); a smaller one keeps its place.
 */
function clampOffset(offset: number, drawn: number, stage: number): number {
  if (drawn + 2 * FIT_MARGIN_PX <= stage) return offset;
  return clamp(offset, stage - FIT_MARGIN_PX - drawn, FIT_MARGIN_PX);
}

function listenForDrag(
  svg: SVGSVGElement,
  pan: (dx: number, dy: number) => void,
  setMoved: (moved: boolean) => void,
  signal: AbortSignal
): void {
  let last: { x: number; y: number; travel: number } | null = null;
  svg.addEventListener('pointerdown', event => {
    if (event.button !== 0) return;
    last = { x: event.clientX, y: event.clientY, travel: 0 };
    setMoved(false);
  }, { signal });
  svg.addEventListener('pointermove', event => {
    if (last === null) return;
    const [dx, dy] = [event.clientX - last.x, event.clientY - last.y];
    last = { x: event.clientX, y: event.clientY, travel: last.travel + Math.abs(dx) + Math.abs(dy) };
    if (last.travel < DRAG_THRESHOLD_PX) return;
    // Captured only once it is a drag, so that a click still reaches the box under the pointer.
    if (!svg.hasPointerCapture(event.pointerId)) svg.setPointerCapture(event.pointerId);
    setMoved(true);
    svg.classList.add('is-panning');
    pan(dx, dy);
  }, { signal });
  const stop = (): void => {
    last = null;
    svg.classList.remove('is-panning');
  };
  svg.addEventListener('pointerup', stop, { signal });
  svg.addEventListener('pointercancel', stop, { signal });
}

function pointerAt(svg: SVGSVGElement, event: MouseEvent): { x: number; y: number } {
  const bounds = svg.getBoundingClientRect();
  return { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}
