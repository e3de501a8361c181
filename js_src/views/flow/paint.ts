/**
 * Paints gradient flow onto a drawn graph: each box framed in the colour of the gradient that
 * arrived at it, each link stroked in the colour and width of the gradient it carried, and,
 * while stepping, the boxes still to run and the links not yet passed left grey. Only styles
 * and data attributes change, on the elements made so far and on each made later (a big
 * drawing makes them as they come near the view): nothing is laid out or drawn again, and
 * `clearFlow` undoes it.
 */

import type { StepPicture } from '../../core/gradients/steps';
import { cssColor } from '../../core/colormap';
import { linkKey, type GradientFlow, type PageTone } from '../../core/gradients/flow';
import type { GraphDrawing } from '../graph/layer';
import { svgElement } from '../graph/svg';

const KIND_COLOR = '--ti-graph-kind';
// Unique on the page even when it runs several copies of this module (see graph_svg.ts).
const ARROW_ID_PREFIX = `torchinspect-flow-arrow-${Math.random().toString(36).slice(2, 10)}-`;
let arrowIds = 0;

/**
 * An arrowhead in the colour of its link (context-stroke) and of one size whatever the link's
 * width: the graph's own grows with the stroke, which a 5 px link would make a blot.
 */
export function flowArrowMarker(): { defs: SVGDefsElement; url: string } {
  const id = `${ARROW_ID_PREFIX}${arrowIds++}`;
  const defs = svgElement('defs', '');
  const marker = svgElement('marker', '', {
    id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 10, markerHeight: 10,
    markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse'
  });
  marker.appendChild(svgElement('path', '', { d: 'M 0 0 L 10 5 L 0 10 z', fill: 'context-stroke' }));
  defs.appendChild(marker);
  return { defs, url: `url(#${id})` };
}

/** The name the flow dresses the drawing's elements under (svg.ts): boxes and links made later get the paint too. */
const FLOW_DRESSER = 'gradient-flow';

/** `picture` is null for the whole pass; `flagged` are the boxes a flag points at. */
export function paintFlow(
  painted: GraphDrawing,
  flow: GradientFlow,
  picture: StepPicture | null,
  flagged: Set<string>,
  arrowUrl: string
): void {
  painted.drawing.dress(FLOW_DRESSER, {
    box(element, { box: { id } }) {
      const norm = flow.boxNorms.get(id) ?? null;
      const phase = picture?.boxes.get(id) ?? (norm === null ? 'unreached' : 'done');
      const color = flow.scale.colorOf(norm);
      if (color !== null && (phase === 'done' || phase === 'current')) element.style.setProperty(KIND_COLOR, cssColor(color));
      else element.style.removeProperty(KIND_COLOR);
      element.dataset.phase = phase;
      setNorm(element, norm);
      element.classList.toggle('is-current', phase === 'current');
      element.classList.toggle('is-flagged', flagged.has(id));
    },
    link(path, { link }) {
      const key = linkKey(link.source, link.target);
      const norm = flow.linkNorms.get(key) ?? null;
      const passed = picture === null || picture.passed.has(key);
      const color = flow.scale.colorOf(norm);
      path.dataset.flow = norm === null ? 'none' : passed ? 'passed' : 'waiting';
      setNorm(path, norm);
      path.style.stroke = color !== null && passed ? cssColor(color) : '';
      path.style.strokeWidth = color !== null && passed ? `${flow.scale.widthOf(norm).toFixed(2)}px` : '';
      path.setAttribute('marker-end', arrowUrl);
    }
  });
}

export function clearFlow(painted: GraphDrawing): void {
  painted.drawing.undress(FLOW_DRESSER, {
    box(element) {
      element.style.removeProperty(KIND_COLOR);
      delete element.dataset.phase;
      delete element.dataset.norm;
      element.classList.remove('is-current', 'is-flagged');
    },
    link(path) {
      delete path.dataset.flow;
      delete path.dataset.norm;
      path.style.stroke = '';
      path.style.strokeWidth = '';
      path.setAttribute('marker-end', painted.arrowUrl);
    }
  });
}

/** Whether the drawing sits on a dark page or a light one: the first opaque background behind it. */
export function pageTone(node: Element): PageTone {
  for (let at: Element | null = node; at !== null; at = at.parentElement) {
    const numbers = getComputedStyle(at).backgroundColor.match(/[\d.]+/g)?.map(Number) ?? [];
    if (numbers.length < 3 || numbers[3] === 0) continue;
    // `color(srgb 0.1 0.2 0.3)` gives channels from 0 to 1, `rgb(…)` from 0 to 255.
    const scale = getComputedStyle(at).backgroundColor.startsWith('color(') ? 1 : 255;
    const [r, g, b] = numbers.slice(0, 3).map(channel => channel / scale);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 ? 'dark' : 'light';
  }
  return 'light';
}

/** How long a theme change is left to settle (its stylesheets to load) before it is read. */
const THEME_SETTLE_MS = 60;

/**
 * Calls `changed` after the page's theme may have changed: the host's theme attributes on the
 * document or its body (JupyterLab's `data-jp-theme-light`, VS Code's body class), stylesheets
 * added or removed, or the system's colour scheme. Everything it registers goes with `signal`.
 */
export function onThemeChange(changed: () => void, signal: AbortSignal): void {
  let pending = 0;
  const later = (): void => {
    window.clearTimeout(pending);
    pending = window.setTimeout(changed, THEME_SETTLE_MS);
  };
  const observer = new MutationObserver(later);
  observer.observe(document.documentElement, { attributes: true });
  observer.observe(document.head, { childList: true });
  if (document.body !== null) observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-jp-theme-light', 'data-jp-theme-name'] });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', later, { signal });
  signal.addEventListener('abort', () => {
    observer.disconnect();
    window.clearTimeout(pending);
  });
}

/** Brings a box into view when it lies outside the stage; a box already visible stays put. */
export function isOutside(box: Element, stage: Element): boolean {
  const [inner, outer] = [box.getBoundingClientRect(), stage.getBoundingClientRect()];
  return inner.left < outer.left || inner.right > outer.right || inner.top < outer.top || inner.bottom > outer.bottom;
}

/** The norm an element is painted for, readable by tests and tools: `NaN`, `Infinity`, or digits. */
function setNorm(element: SVGElement, norm: number | null): void {
  if (norm === null) delete element.dataset.norm;
  else element.dataset.norm = String(norm);
}
