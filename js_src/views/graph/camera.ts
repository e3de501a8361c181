/**
 * Pan and zoom: one transform on the group that holds the drawing, written at most once per
 * animation frame. Nothing is laid out or redrawn while the user moves around.
 */

export interface Camera {
  zoomBy(factor: number, around?: { x: number; y: number }): void;
  /** Scales the drawing to the stage, no larger than life-and-a-half for small graphs. */
  fit(width: number, height: number): void;
  /**
   * Fits the drawing, or where that would shrink it past reading, shows it at a readable size
   * from `top` (the topmost box's top centre) down. Says whether the whole drawing shows.
   */
  fitReadable(width: number, height: number, top: { x: number; y: number }): boolean;
  /** Moves a drawing point (a box's centre) to the middle of the stage. */
  centerOn(x: number, y: number): void;
  destroy(): void;
}

const MIN_SCALE = 0.02;
const MAX_SCALE = 4;
const FIT_MAX_SCALE = 1.5;
const FIT_MARGIN_PX = 16;
/** Below this scale the 12 px labels cannot be read. */
const READABLE_SCALE = 0.6;
const WHEEL_ZOOM_PER_PIXEL = 0.0015;
/** A press that moves less than this is a click, not a drag. */
const DRAG_THRESHOLD_PX = 3;

export function mountCamera(svg: SVGSVGElement, content: SVGGElement): Camera & { dragged(): boolean } {
  const listening = new AbortController();
  const view = { x: 0, y: 0, scale: 1 };
  let frame = 0;
  let moved = false;

  const apply = (): void => {
    frame = 0;
    content.setAttribute('transform', `translate(${view.x} ${view.y}) scale(${view.scale})`);
  };
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(apply);
  };
  const zoomBy = (factor: number, around = stageCentre(svg)): void => {
    const scale = clamp(view.scale * factor, MIN_SCALE, MAX_SCALE);
    view.x = around.x - ((around.x - view.x) * scale) / view.scale;
    view.y = around.y - ((around.y - view.y) * scale) / view.scale;
    view.scale = scale;
    schedule();
  };
  const centerOn = (x: number, y: number): void => {
    const centre = stageCentre(svg);
    view.x = centre.x - x * view.scale;
    view.y = centre.y - y * view.scale;
    schedule();
  };
  const fit = (width: number, height: number): void => {
    const { clientWidth, clientHeight } = svg;
    const room = (side: number) => Math.max(side - 2 * FIT_MARGIN_PX, 1);
    const scale = Math.min(room(clientWidth) / Math.max(width, 1), room(clientHeight) / Math.max(height, 1));
    view.scale = clamp(scale, MIN_SCALE, FIT_MAX_SCALE);
    centerOn(width / 2, height / 2);
  };

  // A view mounted before its host is on the page (as notebook outputs are) has no size yet:
  // its fit waits for the first size the stage gets.
  let unsizedFit: (() => void) | null = null;
  const resizing = new ResizeObserver(() => {
    if (unsizedFit === null || svg.clientWidth === 0) return;
    const pending = unsizedFit;
    unsizedFit = null;
    pending();
  });
  resizing.observe(svg);
  const fitReadable = (width: number, height: number, top: { x: number; y: number }): boolean => {
    if (svg.clientWidth === 0 || svg.clientHeight === 0) {
      unsizedFit = () => fitReadable(width, height, top);
      return true;
    }
    unsizedFit = null;
    fit(width, height);
    if (view.scale >= READABLE_SCALE) return true;
    view.scale = READABLE_SCALE;
    centerOn(top.x, top.y);
    view.y = FIT_MARGIN_PX - top.y * view.scale;
    return false;
  };

  svg.addEventListener('wheel', event => {
    event.preventDefault();
    zoomBy(Math.exp(-event.deltaY * WHEEL_ZOOM_PER_PIXEL), pointerAt(svg, event));
  }, { signal: listening.signal, passive: false });
  listenForDrag(svg, (dx, dy) => {
    view.x += dx;
    view.y += dy;
    schedule();
  }, value => (moved = value), listening.signal);
  apply();
  return {
    zoomBy,
    fit,
    fitReadable,
    centerOn,
    dragged: () => moved,
    destroy: () => {
      listening.abort();
      resizing.disconnect();
      cancelAnimationFrame(frame);
    }
  };
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

function stageCentre(svg: SVGSVGElement): { x: number; y: number } {
  return { x: svg.clientWidth / 2, y: svg.clientHeight / 2 };
}

function pointerAt(svg: SVGSVGElement, event: MouseEvent): { x: number; y: number } {
  const bounds = svg.getBoundingClientRect();
  return { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}
