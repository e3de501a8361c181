/**
 * The graph view's elements: a toolbar (search, direction, zoom, exports), the SVG stage and
 * the details panel beside it, and a status line. Built once per view; graph.ts wires them.
 */

import { element, labelledButtons } from '../dom';
import { arrowMarker, svgElement } from './svg';

export interface GraphParts {
  root: HTMLElement;
  /** The row of controls, and the row under it holding the stage and the details panel. */
  toolbar: HTMLElement;
  body: HTMLElement;
  search: HTMLInputElement;
  matches: HTMLOutputElement;
  buttons: Record<'flip' | 'zoomOut' | 'zoomIn' | 'fit' | 'svg' | 'png' | 'json', HTMLButtonElement>;
  svg: SVGSVGElement;
  /** The group that pan and zoom transform; it holds the whole drawing. */
  content: SVGGElement;
  arrowUrl: string;
  /** The details panel, hidden while nothing is selected so that the stage has the width. */
  details: HTMLElement;
  /** Over the stage: how to zoom, when a plain wheel scrolled the page instead. */
  wheelHint: HTMLElement;
  status: HTMLElement;
  /** What the graph holds in memory for backward: a sentence that opens to the largest parts. */
  memory: HTMLDetailsElement;
  error: HTMLElement;
}

const STAGE_LABEL =
  'autograd graph: arrow keys move the selection along the edges, Enter opens a folded box or a module, ' +
  'Backspace closes the module around the selection, Escape clears; drag to pan, Ctrl or ⌘ + wheel zooms ' +
  '(the wheel alone, once the graph has the focus)';

export function graphParts(): GraphParts {
  const root = element('div', 'torchinspect-graph');
  const toolbar = element('div', 'torchinspect-graph-toolbar');
  const search = element('input', 'torchinspect-graph-search');
  search.type = 'search';
  search.placeholder = 'find a node: name or op';
  search.setAttribute('aria-label', 'find a node by name or op; Enter goes to the next match');
  const matches = element('output', 'torchinspect-graph-matches');
  matches.setAttribute('aria-live', 'polite');
  const buttons = labelledButtons({
    flip: ['⇅ flip', 'flip direction: put the root at the top'],
    zoomOut: ['−', 'zoom out'],
    zoomIn: ['+', 'zoom in'],
    fit: ['fit', 'fit the graph to the view'],
    svg: ['SVG', 'download as SVG'],
    png: ['PNG', 'download as PNG'],
    json: ['JSON', 'download the graph snapshot as JSON']
  });
  buttons.flip.setAttribute('aria-pressed', 'false');
  const view = group([buttons.flip, buttons.zoomOut, buttons.zoomIn, buttons.fit]);
  const exports = group([buttons.svg, buttons.png, buttons.json]);
  toolbar.append(search, matches, view, exports);

  const body = element('div', 'torchinspect-graph-body');
  const svg = svgElement('svg', 'torchinspect-graph-stage', { role: 'application', tabindex: 0, 'aria-label': STAGE_LABEL });
  const content = svgElement('g', 'torchinspect-graph-content');
  content.dataset.part = 'content';
  const arrow = arrowMarker();
  svg.append(arrow.defs, content);
  const details = element('aside', 'torchinspect-graph-details');
  details.setAttribute('aria-label', 'details of the selected node');
  details.setAttribute('aria-live', 'polite');
  details.hidden = true;
  const wheelHint = element('p', 'torchinspect-graph-wheel-hint');
  wheelHint.setAttribute('role', 'status');
  wheelHint.hidden = true;
  body.append(svg, wheelHint, details);
  const status = element('p', 'torchinspect-graph-status');
  const memory = element('details', 'torchinspect-graph-memory');
  memory.hidden = true;
  const error = element('p', 'torchinspect-graph-error torchinspect-error');
  error.hidden = true;
  root.append(toolbar, error, body, status, memory);
  return { root, toolbar, body, search, matches, buttons, svg, content, arrowUrl: arrow.url, details, wheelHint, status, memory, error };
}

function group(children: HTMLElement[]): HTMLElement {
  const node = element('div', 'torchinspect-graph-button-group');
  node.append(...children);
  return node;
}
