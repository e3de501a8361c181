/**
 * The controls of module groups on the graph view: "expand all" and "collapse all" buttons, a
 * click on an open module's header closing it into one box, and Backspace closing the open
 * module around the selected box. (A closed module opens like a folded box: a click, or Enter.)
 * The graph view (graph.ts) mounts it on its parts and draws the models it is given.
 */

import { collapse, collapseAll, EXPAND_ALL_MAX_NODES, expandAll, type GraphModel } from '../../core/graph/model';
import { moduleBoxId } from '../../core/graph/modules';
import { element, labelledButton } from '../dom';
import { FRAME_CLASS, FRAME_HEADER_CLASS } from './frames';
import type { GraphParts } from './parts';

export interface ModuleHost {
  model(): GraphModel | null;
  selected(): string | null;
  /** Draws another model, then selects the box `focus` and brings it into view. */
  show(model: GraphModel, focus: string | null): void;
  /** Whether the press that ends in a click moved the view: then it was a drag. */
  dragged(): boolean;
}

export interface ModuleControls {
  /** The graph was drawn again: the buttons say whether they would change anything. */
  drawn(model: GraphModel): void;
}

export function mountModuleControls(parts: GraphParts, host: ModuleHost, signal: AbortSignal): ModuleControls {
  const expandButton = labelledButton('expand all', 'open every module and folded box: every node of the graph');
  const collapseButton = labelledButton('collapse all', 'close every module into one box');
  const group = element('div', 'torchinspect-graph-button-group');
  group.append(expandButton, collapseButton);
  parts.buttons.flip.parentElement!.before(group);

  const close = (path: string): void => {
    const model = host.model();
    if (model !== null) host.show(collapse(model, path), moduleBoxId(path));
  };
  parts.content.addEventListener('click', event => {
    const frame = (event.target as Element).closest(`.${FRAME_HEADER_CLASS}`)?.closest<SVGGElement>(`.${FRAME_CLASS}`);
    if (frame?.dataset.path !== undefined && !host.dragged()) close(frame.dataset.path);
  }, { signal });
  parts.svg.addEventListener('keydown', event => {
    const model = host.model();
    const selected = host.selected();
    if (event.key !== 'Backspace' || model === null || selected === null) return;
    const around = model.boxes.find(box => box.id === selected)?.container ?? null;
    if (around === null) return;
    event.preventDefault();
    close(around);
  }, { signal });
  expandButton.addEventListener('click', () => {
    const model = host.model();
    if (model !== null) host.show(expandAll(model), null);
  }, { signal });
  collapseButton.addEventListener('click', () => {
    const model = host.model();
    if (model !== null) host.show(collapseAll(model), null);
  }, { signal });

  return {
    drawn: model => {
      const closedModule = model.boxes.some(box => box.kind === 'module');
      const openableFolds = model.snapshot.nodes.length <= EXPAND_ALL_MAX_NODES && model.boxes.some(box => box.kind === 'folded');
      expandButton.disabled = !closedModule && !openableFolds;
      collapseButton.disabled = model.open.size === 0;
      group.hidden = model.modules.groups.size === 0 && model.groups.length === 0;
    }
  };
}

