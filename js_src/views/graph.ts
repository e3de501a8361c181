/**
 * The interactive backward graph of a `torchinspect.graph/1` snapshot, drawn as SVG: forward
 * inputs at the top and the roots at the bottom (a button flips it), repetitive parts folded
 * into boxes that open on a click, pan, zoom, search, keyboard navigation, a details panel,
 * and exports. Host-agnostic: it imports nothing from Jupyter.
 *
 * Sets the performance marks `torchinspect:graph-mounted` when it starts and
 * `torchinspect:graph-drawn` once the graph is drawn and answers input.
 */

import { expand, formatCount, graphModel, searchBoxes, type GraphModel } from '../core/graph';
import { layoutGraph, type GraphDirection, type GraphLayout } from '../core/graph_layout';
import { parseGraphSnapshot, type GraphNode, type GraphSnapshot } from '../core/schema';
import { detailsOf } from './graph_details';
import { downloadJson, downloadPng, downloadSvg, standaloneSvg } from './graph_export';
import { boxTowards, isArrow } from './graph_navigation';
import { graphParts, type GraphParts } from './graph_parts';
import { drawLayout } from './graph_svg';
import { mountCamera } from './graph_camera';
import type { View } from './view';

export interface GraphData {
  graph: GraphSnapshot;
}

export interface GraphHost {
  /** Called when the selection changes: the node, or null when it is cleared or is a folded box. */
  onSelect?(node: GraphNode | null): void;
}

const ZOOM_STEP = 1.25;

interface Shown {
  model: GraphModel;
  layout: GraphLayout;
  drawn: Map<string, SVGGElement>;
}

export function mountGraph(el: HTMLElement, data: GraphData, host: GraphHost = {}): View<GraphData> {
  performance.mark('torchinspect:graph-mounted');
  const listening = new AbortController();
  const parts = graphParts();
  el.appendChild(parts.root);
  const camera = mountCamera(parts.svg, parts.content);
  let shown: Shown | null = null;
  let direction: GraphDirection = 'down';
  let selected: string | null = null;
  let matches: string[] = [];
  let matchAt = 0;

  const draw = (model: GraphModel): Shown => {
    const layout = layoutGraph(model, direction);
    const drawn = drawLayout(parts.content, layout, parts.arrowUrl);
    parts.status.textContent = statusText(model);
    shown = { model, layout, drawn };
    highlight(shown, matches, 'is-match');
    return shown;
  };
  const centreOn = (id: string): void => {
    const placed = shown?.layout.boxes.find(box => box.box.id === id);
    if (placed) camera.centerOn(placed.x, placed.y);
  };
  const select = (id: string | null, centre = false): void => {
    const previous = selected;
    selected = id !== null && shown?.drawn.has(id) ? id : null;
    if (shown === null) return;
    highlight(shown, selected === null ? [] : [selected], 'is-selected');
    const box = selected === null ? null : shown.model.boxes.find(candidate => candidate.id === selected) ?? null;
    parts.details.replaceChildren(...detailsOf(shown.model, box));
    if (selected !== null && centre) centreOn(selected);
    if (selected !== previous) host.onSelect?.(box?.node ?? null);
  };
  const open = (id: string): void => {
    const group = shown?.model.groups.find(candidate => candidate.id === id);
    if (shown === null || group === undefined) return;
    const next = draw(expand(shown.model, id));
    matches = searchBoxes(next.model, parts.search.value);
    highlight(next, matches, 'is-match');
    camera.fitReadable(next.layout.width, next.layout.height, topOf(next.layout));
    select(next.model.boxOf.get(group.units[0][0]) ?? null);
  };
  const find = (advance: boolean): void => {
    if (shown === null) return;
    const query = parts.search.value;
    if (!advance) matches = searchBoxes(shown.model, query);
    matchAt = advance && matches.length > 0 ? (matchAt + 1) % matches.length : 0;
    highlight(shown, matches, 'is-match');
    parts.matches.textContent = query.trim() === '' ? '' : matchText(matches.length, matchAt);
    if (matches.length > 0) select(matches[matchAt], true);
  };
  const render = (next: GraphData): void => {
    try {
      const model = graphModel(parseGraphSnapshot(next.graph));
      parts.error.hidden = true;
      matches = searchBoxes(model, parts.search.value);
      const drawn = draw(model);
      camera.fitReadable(drawn.layout.width, drawn.layout.height, topOf(drawn.layout));
      select(null);
    } catch (error) {
      parts.error.hidden = false;
      parts.error.textContent = (error as Error).message;
    }
  };
  const flip = (): void => {
    if (shown === null) return;
    direction = direction === 'down' ? 'up' : 'down';
    parts.buttons.flip.setAttribute('aria-pressed', String(direction === 'up'));
    const drawn = draw(shown.model);
    camera.fitReadable(drawn.layout.width, drawn.layout.height, topOf(drawn.layout));
    select(selected);
  };

  listen(parts, listening.signal, {
    clickBox: id => (shown?.model.groups.some(group => group.id === id) ? open(id) : select(id)),
    dragged: camera.dragged,
    key: key => {
      if (shown === null) return false;
      if (isArrow(key)) select(selected === null ? firstRoot(shown) : boxTowards(shown.layout, selected, key) ?? selected, true);
      else if (key === 'Enter' && selected !== null) open(selected);
      else if (key === 'Escape') select(null);
      else if (key === '+' || key === '=') camera.zoomBy(ZOOM_STEP);
      else if (key === '-') camera.zoomBy(1 / ZOOM_STEP);
      else return false;
      return true;
    },
    find,
    buttons: {
      flip,
      zoomOut: () => camera.zoomBy(1 / ZOOM_STEP),
      zoomIn: () => camera.zoomBy(ZOOM_STEP),
      fit: () => shown && camera.fit(shown.layout.width, shown.layout.height),
      svg: () => shown && downloadSvg(standaloneSvg(parts.svg, parts.content, shown.layout), 'autograd-graph.svg'),
      png: () => shown && void downloadPng(standaloneSvg(parts.svg, parts.content, shown.layout), shown.layout, 'autograd-graph.png'),
      json: () => shown && downloadJson(shown.model.snapshot, 'autograd-graph.json')
    }
  });
  render(data);
  performance.mark('torchinspect:graph-drawn');
  return {
    update: render,
    destroy: () => {
      listening.abort();
      camera.destroy();
      parts.root.remove();
    }
  };
}

interface Handlers {
  clickBox(id: string): void;
  dragged(): boolean;
  /** Whether the key was used. */
  key(key: string): boolean;
  find(advance: boolean): void;
  buttons: Record<keyof GraphParts['buttons'], () => unknown>;
}

function listen(parts: GraphParts, signal: AbortSignal, handlers: Handlers): void {
  parts.content.addEventListener('click', event => {
    const box = (event.target as Element).closest<SVGGElement>('.torchinspect-graph-box');
    if (box?.dataset.id && !handlers.dragged()) handlers.clickBox(box.dataset.id);
  }, { signal });
  parts.svg.addEventListener('keydown', event => {
    if (handlers.key(event.key)) event.preventDefault();
  }, { signal });
  parts.search.addEventListener('input', () => handlers.find(false), { signal });
  parts.search.addEventListener('keydown', event => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    handlers.find(true);
  }, { signal });
  for (const [name, button] of Object.entries(parts.buttons)) {
    button.addEventListener('click', () => handlers.buttons[name as keyof GraphParts['buttons']](), { signal });
  }
}

/** Marks exactly `ids` among the drawn boxes with `className`. */
function highlight(shown: Shown, ids: string[], className: string): void {
  for (const box of shown.drawn.values()) box.classList.remove(className);
  for (const id of ids) shown.drawn.get(id)?.classList.add(className);
}

/** The top centre of the topmost box: where a tall drawing starts to be read. */
function topOf(layout: GraphLayout): { x: number; y: number } {
  let top = { x: layout.width / 2, y: Infinity };
  for (const { x, y, height } of layout.boxes) if (y - height / 2 < top.y) top = { x, y: y - height / 2 };
  return top;
}

function firstRoot(shown: Shown): string | null {
  const root = shown.model.snapshot.roots[0];
  return root === undefined ? null : shown.model.boxOf.get(root) ?? null;
}

function statusText(model: GraphModel): string {
  const nodes = model.snapshot.nodes.length;
  const folded = model.groups.length;
  const boxes = `${formatCount(model.boxes.length)} boxes for ${formatCount(nodes)} nodes`;
  return folded === 0 ? boxes : `${boxes} · ${folded} folded: click one to open it`;
}

function matchText(count: number, at: number): string {
  return count === 0 ? 'no match' : `${at + 1} of ${formatCount(count)}`;
}
