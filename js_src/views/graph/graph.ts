/**
 * The interactive backward graph of a `torchinspect.graph/1` snapshot, drawn as SVG: forward
 * inputs at the top and the roots at the bottom (a button flips it), repetitive parts folded
 * and modules closed into boxes that open on a click, pan, zoom, search, keyboard navigation,
 * a details panel, and exports. Host-agnostic: it imports nothing from Jupyter.
 *
 * Sets the performance marks `torchinspect:graph-mounted` when it starts and
 * `torchinspect:graph-drawn` once the graph is drawn and answers input.
 */

import {
  canExpand, expand, expandGroupAll, firstNodeIn, formatCount, graphModel, nodeCount, partToOpenBox, searchBoxes, withPart, type GraphModel
} from '../../core/graph/model';
import { askedParts, askingText, linksLeftText } from '../../core/graph/parts';
import type { GraphPartRequest, KernelRequests } from '../../core/protocol';
import type { GraphDirection, GraphLayout } from '../../core/graph/geometry';
import { layoutGraph } from '../../core/graph/layout';
import { hasUnrecordedModules } from '../../core/graph/modules';
import { graphMemory, type GraphMemory } from '../../core/graph/memory';
import { withPartGradients } from '../../core/gradients/part';
import { parseGradients } from '../../core/gradients/record';
import { parseGraphSnapshot, type GradientsSnapshot, type GraphNode, type GraphSnapshot } from '../../core/schema';
import { detailsOf } from './details';
import type { GraphLayer, MountLayer } from './layer';
import { downloadJson, downloadPng, downloadSvg, standaloneSvg } from './export';
import { drawFrames } from './frames';
import { offerFullText, type RequestFullText } from './full_text';
import { mountModuleControls } from './module_controls';
import { boxTowards, isArrow } from './navigation';
import { graphParts, type GraphParts } from './parts';
import { showMemory } from './memory';
import { drawLayout, type Drawing } from './svg';
import { mountCamera } from './camera';
import { mountNodeValues, type RequestNodeTensor } from './values';
import type { View } from '../view';

export interface GraphData {
  graph: GraphSnapshot;
  /** The gradients recorded during backward (torchinspect.gradients/1), as sent, for the host's layer; absent or {} for none. */
  gradients?: unknown;
}

export interface GraphHost {
  /** Called when the selection changes: the node, or null when it is cleared or is a folded box. */
  onSelect?(node: GraphNode | null): void;
  /** Asks the kernel for a leaf's or a saved tensor's snapshot; without it, no "Show" buttons. */
  requestNodeTensor?: RequestNodeTensor;
  /** Asks the kernel for units of a repeat it left out of the graph it sent first; without it, they cannot open. */
  requestGraphPart?: KernelRequests['graphPart'];
  /** Asks the kernel for a node's name or op whole, which it sent shortened; without it, no "show all" buttons. */
  requestFullText?: RequestFullText;
  /** A layer drawn over the graph (the gradient flow), fed with the data's `gradients`. */
  layer?: MountLayer;
}

const ZOOM_STEP = 1.25;

interface Shown {
  model: GraphModel;
  layout: GraphLayout;
  drawing: Drawing;
}

export function mountGraph(el: HTMLElement, data: GraphData, host: GraphHost = {}): View<GraphData> {
  performance.mark('torchinspect:graph-mounted');
  const listening = new AbortController();
  const parts = graphParts();
  el.appendChild(parts.root);
  const camera = mountCamera(parts.svg, parts.content, parts.wheelHint);
  const values = host.requestNodeTensor ? mountNodeValues(parts.root, host.requestNodeTensor) : null;
  const flow: GraphLayer = (host.layer ?? noLayer)(parts, { select: (id, centre = true) => select(id, centre), centre: id => centreOn(id) });
  let shown: Shown | null = null;
  let direction: GraphDirection = 'down';
  let selected: string | null = null;
  let matches: string[] = [];
  let matchAt = 0;
  let recorded: GradientsSnapshot | null = null;
  /** The gradients record as it came, with the records of the parts loaded since merged in. */
  let gradients: unknown = undefined;
  let memory: GraphMemory | null = null;
  const moduleControls = mountModuleControls(parts, {
    model: () => shown?.model ?? null,
    selected: () => selected,
    show: (model, focus) => show(model, focus),
    dragged: camera.dragged
  }, listening.signal);

  const draw = (model: GraphModel): Shown => {
    const layout = layoutGraph(model, direction);
    const drawing = drawLayout(parts.content, layout, parts.arrowUrl);
    parts.content.prepend(drawFrames(layout.frames));
    moduleControls.drawn(model);
    parts.status.textContent = statusText(model);
    shown = { model, layout, drawing };
    highlight(shown, matches, 'is-match');
    flow.drawn(model, { content: parts.content, drawing, arrowUrl: parts.arrowUrl });
    return shown;
  };
  const centreOn = (id: string): void => {
    const placed = shown?.layout.boxes.find(box => box.box.id === id);
    if (placed) camera.centerOn(placed.x, placed.y);
  };
  const select = (id: string | null, centre = false): void => {
    const previous = selected;
    selected = id !== null && shown?.drawing.boxAt.has(id) ? id : null;
    if (shown === null) return;
    highlight(shown, selected === null ? [] : [selected], 'is-selected');
    const box = selected === null ? null : shown.model.boxes.find(candidate => candidate.id === selected) ?? null;
    parts.details.hidden = box === null;
    parts.details.replaceChildren(
      ...detailsOf(shown.model, box, recorded, memory),
      ...flow.detailsOf(box),
      ...(values && box?.node ? values.buttonsFor(box.node) : [])
    );
    if (host.requestFullText && box?.node) offerFullText(parts.details, box.node, host.requestFullText);
    if (selected !== null && centre) centreOn(selected);
    if (selected !== previous) host.onSelect?.(box?.node ?? null);
  };
  const show = (model: GraphModel, focus: string | null): void => {
    const next = draw(model);
    matches = searchBoxes(next.model, parts.search.value);
    highlight(next, matches, 'is-match');
    const whole = camera.fitReadable(next.layout.width, next.layout.height, rootOf(next));
    select(focus, !whole);
  };
  /**
   * Opens a folded box (a step, or with `all` every unit at once) or a closed module, and selects
   * the box that now draws its first node.
   */
  const open = (id: string, all = false, fetched = false): void => {
    if (shown === null || !canExpand(shown.model, id)) return;
    const asked = fetched ? null : partToOpenBox(shown.model, id, all);
    if (asked !== null) return void fetchThenOpen(id, all, asked);
    const first = firstNodeIn(shown.model, id);
    const next = all ? expandGroupAll(shown.model, id) : expand(shown.model, id);
    show(next, first === null ? null : next.boxOf.get(first) ?? null);
  };
  /** The boxes whose units are on their way: a click on one meanwhile asks for none again (the status line says they are coming). */
  const fetching = new Set<string>();
  /** Asks the kernel for the units the box needs, merges them into the graph, then opens it. */
  const fetchThenOpen = async (id: string, all: boolean, asked: GraphPartRequest): Promise<void> => {
    if (host.requestGraphPart === undefined) {
      parts.status.textContent = `${PART_NOT_HERE} ${RERUN_HINT}`;
      return;
    }
    if (fetching.has(id)) return;
    fetching.add(id);
    try {
      const asking = (request: GraphPartRequest, came: number) => (parts.status.textContent = askingText(asked, request, came));
      for (const answer of await askedParts(host.requestGraphPart, asked, asking)) {
        if (shown === null) return;
        shown = { ...shown, model: withPart(shown.model, answer.part, answer.asked) };
        if (answer.part.gradients !== undefined) {
          gradients = withPartGradients(gradients, answer.part.gradients);
          recorded = recordedOrNone(gradients);
          flow.update(gradients);
        }
      }
      open(id, all, true);
    } catch (error) {
      parts.status.textContent = `${PART_NOT_HERE} ${(error as Error).message.replace(/^torchinspect: /, 'The kernel says: ')}`;
    } finally {
      fetching.delete(id);
    }
  };
  const find = (advance: boolean): void => {
    if (shown === null) return;
    const query = parts.search.value;
    if (!advance) matches = searchBoxes(shown.model, query);
    matchAt = advance && matches.length > 0 ? (matchAt + 1) % matches.length : 0;
    highlight(shown, matches, 'is-match');
    parts.matches.textContent = query.trim() === '' ? '' : matchText(matches.length, matchAt) + namesCut(shown.model);
    if (matches.length > 0) select(matches[matchAt], true);
  };
  const render = (next: GraphData): void => {
    gradients = next.gradients;
    recorded = recordedOrNone(gradients);
    flow.update(gradients);
    // New gradients through the graph on screen: recolour it, keeping the view and the selection.
    if (shown !== null && next.graph === shown.model.snapshot) return select(selected);
    try {
      const model = graphModel(parseGraphSnapshot(next.graph));
      memory = graphMemory(model.snapshot, model.modules);
      showMemory(parts.memory, memory);
      parts.error.hidden = true;
      matches = searchBoxes(model, parts.search.value);
      const drawn = draw(model);
      camera.fitReadable(drawn.layout.width, drawn.layout.height, rootOf(drawn));
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
    camera.fitReadable(drawn.layout.width, drawn.layout.height, rootOf(drawn));
    select(selected);
  };

  listen(parts, listening.signal, {
    clickBox: (id, all) => (shown !== null && canExpand(shown.model, id) ? open(id, all) : select(id)),
    dragged: camera.dragged,
    key: key => {
      if (shown === null) return false;
      if (isArrow(key)) select(selected === null ? firstRoot(shown) : boxTowards(shown.layout, selected, key) ?? selected, true);
      else if ((key === 'Enter' || key === 'Shift+Enter') && selected !== null) open(selected, key === 'Shift+Enter');
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
      flow.destroy();
      values?.destroy();
      camera.destroy();
      parts.root.remove();
    }
  };
}

/** The last backward pass, for what a leaf's tensor holds now; the layer says when the record is not one. */
function recordedOrNone(gradients: unknown): GradientsSnapshot | null {
  try {
    return parseGradients(gradients);
  } catch {
    return null;
  }
}

const noLayer: MountLayer = () => ({ update: () => {}, drawn: () => {}, detailsOf: () => [], destroy: () => {} });

interface Handlers {
  /** `all`: the click asked for every unit of a folded box (Shift held). */
  clickBox(id: string, all: boolean): void;
  dragged(): boolean;
  /** Whether the key was used. */
  key(key: string): boolean;
  find(advance: boolean): void;
  buttons: Record<keyof GraphParts['buttons'], () => unknown>;
}

function listen(parts: GraphParts, signal: AbortSignal, handlers: Handlers): void {
  parts.content.addEventListener('click', event => {
    const box = (event.target as Element).closest<SVGGElement>('.torchinspect-graph-box');
    if (box?.dataset.id && !handlers.dragged()) handlers.clickBox(box.dataset.id, (event as MouseEvent).shiftKey);
  }, { signal });
  parts.svg.addEventListener('keydown', event => {
    const key = event.shiftKey && event.key === 'Enter' ? 'Shift+Enter' : event.key;
    if (handlers.key(key)) event.preventDefault();
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

/** Marks exactly `ids` among the drawn boxes with `className`, those made later too. */
function highlight(shown: Shown, ids: string[], className: string): void {
  const marked = new Set(ids);
  shown.drawing.dress(className, { box: (element, { box }) => element.classList.toggle(className, marked.has(box.id)) });
}

/** The centre of the first root's box: what was inspected, kept in view when the drawing is larger than the stage. */
function rootOf(shown: Shown): { x: number; y: number } {
  const root = firstRoot(shown);
  const placed = shown.layout.boxes.find(box => box.box.id === root);
  return placed ?? { x: shown.layout.width / 2, y: shown.layout.height / 2 };
}

function firstRoot(shown: Shown): string | null {
  const root = shown.model.snapshot.roots[0];
  return root === undefined ? null : shown.model.boxOf.get(root) ?? null;
}

/** Said where a folded box's units cannot be had: no kernel behind the page, or it cannot give them. */
const PART_NOT_HERE = 'This folded box holds units the graph was sent without, to keep it small, and they cannot be loaded now.';
const RERUN_HINT = 'Run the cell again in a live kernel to open it.';

function statusText(model: GraphModel): string {
  const nodes = nodeCount(model.snapshot);
  const count = (kind: string, one: string, many: string) => {
    const found = model.boxes.filter(box => box.kind === kind).length;
    return found === 0 ? [] : [`${formatCount(found)} ${found === 1 ? one : many}`];
  };
  const closed = [...count('module', 'closed module', 'closed modules'), ...count('folded', 'folded group', 'folded groups')];
  const boxes = `${formatCount(model.boxes.length)} boxes for ${formatCount(nodes)} nodes`;
  if (closed.length > 0) return `${boxes} · ${closed.join(', ')}: click one to open it${linksCut(model)}`;
  return `${boxes} · ${needsModules(model) ? RECORD_MODULES_HINT : DETAILS_HINT}`;
}

/** Said where the kernel listed only some links of units it has not sent (links_left). */
function linksCut(model: GraphModel): string {
  const said = linksLeftText(model.groups);
  return said === '' ? '' : ` · ${said}`;
}

const DETAILS_HINT = 'click a box, or focus the graph and use the arrow keys, for what it holds';

/** Past this many boxes, a graph of a model whose modules were not recorded is hard to read as it is. */
const MANY_BOXES = 100;
const RECORD_MODULES_HINT = 'to group them by nn.Module, run the forward inside torchinspect.record_modules(model)';

function needsModules(model: GraphModel): boolean {
  return model.boxes.length > MANY_BOXES && hasUnrecordedModules(model.snapshot);
}

/** Said beside the matches where the names of some units the kernel has not sent were cut: search cannot see those. */
function namesCut(model: GraphModel): string {
  const cut = model.groups.some(group => (group.elided ?? []).some(run => !run.names_complete));
  return cut ? ' · some names in folded boxes were not sent: open them to search all' : '';
}

function matchText(count: number, at: number): string {
  return count === 0 ? 'no match' : `${at + 1} of ${formatCount(count)}`;
}
