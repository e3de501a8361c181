/**
 * The model view: a module's tree (collapsible, class names, parameter counts and bytes,
 * buffers), its parameters (shape, dtype, device, trainable or frozen, norm, grad norm, NaN/Inf)
 * and buffers, and under them the tensor card of the parameter the user clicked, which the
 * host fetches from the kernel (`select`) and passes back as `parameter`.
 */

import {
  childrenOf,
  deviceText,
  formatNorm,
  gradText,
  moduleCounts,
  moduleLabel,
  nonFinite,
  type ModelSnapshot,
  type ModuleRow,
  type TensorRow
} from '../../core/model/model';
import { formatBytes, formatShape } from '../../core/format';
import type { KernelRequests } from '../../core/protocol';
import { element, labelledButton } from '../dom';
import { mountTensorView, type TensorViewData } from '../tensor_view';
import type { View } from '../view';

export interface ModelViewData {
  model: ModelSnapshot;
  /** The selected parameter's tensor snapshot; an empty object while none is open. */
  parameter: unknown;
}

export interface ModelViewHost {
  /** Open the card of the parameter or buffer of this name ('' closes it); absent where no kernel is behind the view. */
  select?: (name: string) => void;
  requests?: KernelRequests;
}

/** Trees with more modules than this open with only their first two levels shown. */
const OPEN_MODULES = 40;

export function mountModelView(el: HTMLElement, data: ModelViewData, host: ModelViewHost = {}): View<ModelViewData> {
  const root = element('div', 'torchinspect torchinspect-model');
  const summary = element('div', 'torchinspect-summary');
  const tree = element('ul', 'torchinspect-model-tree');
  tree.setAttribute('role', 'tree');
  tree.setAttribute('aria-label', 'modules');
  const parameters = element('table', 'torchinspect-model-table torchinspect-model-parameters');
  const buffers = element('table', 'torchinspect-model-table torchinspect-model-buffers');
  const card = element('section', 'torchinspect-model-card');
  card.setAttribute('aria-label', 'parameter');
  root.append(summary, tree, parameters, buffers, card);
  el.appendChild(root);

  const collapsed = new Set<string>(initiallyCollapsed(data.model.modules));
  let shown = data;
  let selected = '';
  let cardView: View<TensorViewData> | null = null;

  const select = (name: string): void => {
    selected = selected === name ? '' : name;
    host.select?.(selected);
    drawTables(shown.model);
  };

  const drawTree = (model: ModelSnapshot): void => {
    const children = childrenOf(model.modules);
    const rows: HTMLElement[] = [];
    const visit = (index: number, hidden: boolean): void => {
      const module = model.modules[index];
      const open = !collapsed.has(module.path);
      if (!hidden) rows.push(treeRow(module, model.name, children[index].length > 0, open, () => toggle(module.path)));
      for (const child of children[index]) visit(child, hidden || !open);
    };
    visit(0, false);
    tree.replaceChildren(...rows);
  };
  const toggle = (path: string): void => {
    if (collapsed.has(path)) collapsed.delete(path);
    else collapsed.add(path);
    drawTree(shown.model);
  };

  const drawTables = (model: ModelSnapshot): void => {
    parameters.replaceChildren(
      caption(`Parameters (${model.parameters.length})`),
      header(['name', 'shape', 'dtype', 'device', 'trains', 'norm', 'grad norm', 'NaN / Inf']),
      ...model.parameters.map(p =>
        tableRow(p, selected, host.select === undefined ? undefined : select, [
          p.requires_grad ? 'yes' : 'frozen',
          formatNorm(p.norm),
          gradText(p),
          [nonFinite(p), p.grad === null ? '' : nonFinite(p.grad) && `grad: ${nonFinite(p.grad)}`].filter(Boolean).join('; ')
        ])
      )
    );
    buffers.hidden = model.buffers.length === 0;
    buffers.replaceChildren(
      caption(`Buffers (${model.buffers.length})`),
      header(['name', 'shape', 'dtype', 'device', 'bytes', 'norm', 'NaN / Inf']),
      ...model.buffers.map(b =>
        tableRow(b, selected, host.select === undefined ? undefined : select, [formatBytes(Number(b.bytes)), formatNorm(b.norm), nonFinite(b)])
      )
    );
  };

  const showCard = (parameter: unknown): void => {
    const has = typeof parameter === 'object' && parameter !== null && 'schema' in parameter && selected !== '';
    if (!has) {
      cardView?.destroy();
      cardView = null;
      card.replaceChildren();
      return;
    }
    if (cardView === null) cardView = mountTensorView(card, { snapshot: parameter }, { requests: host.requests });
    else cardView.update({ snapshot: parameter });
  };

  const draw = (next: ModelViewData): void => {
    summary.textContent = next.model.summary;
    drawTree(next.model);
    drawTables(next.model);
    showCard(next.parameter);
  };
  draw(data);

  return {
    update(next) {
      const previous = shown;
      shown = next;
      if (next.model !== previous.model) {
        summary.textContent = next.model.summary;
        drawTree(next.model);
        drawTables(next.model);
      }
      if (next.parameter !== previous.parameter) showCard(next.parameter);
    },
    destroy() {
      cardView?.destroy();
      root.remove();
    }
  };
}

function initiallyCollapsed(modules: readonly ModuleRow[]): string[] {
  if (modules.length <= OPEN_MODULES) return [];
  return modules.filter(module => module.depth >= 1).map(module => module.path);
}

function treeRow(module: ModuleRow, modelName: string | null, hasChildren: boolean, open: boolean, toggle: () => void): HTMLElement {
  const row = element('li', 'torchinspect-model-module');
  row.setAttribute('role', 'treeitem');
  row.dataset.path = module.path;
  row.style.setProperty('--ti-depth', String(module.depth));
  if (hasChildren) {
    row.setAttribute('aria-expanded', String(open));
    const button = labelledButton(open ? '▾' : '▸', `${open ? 'Fold' : 'Open'} ${module.path || 'the model'}`, 'torchinspect-model-toggle');
    button.addEventListener('click', toggle);
    row.appendChild(button);
  } else {
    row.appendChild(element('span', 'torchinspect-model-toggle-space'));
  }
  const label = element('span', 'torchinspect-model-label', moduleLabel(module, modelName));
  if (module.extra !== '' && module.path !== '') label.title = `${module.class}(${module.extra})`;
  row.append(label, element('span', 'torchinspect-model-counts', moduleCounts(module)));
  return row;
}

function caption(text: string): HTMLTableCaptionElement {
  return element('caption', '', text);
}

function header(names: string[]): HTMLTableRowElement {
  const row = element('tr', '');
  for (const name of names) row.appendChild(element('th', '', name));
  return row;
}

function tableRow(tensor: TensorRow, selected: string, select: ((name: string) => void) | undefined, rest: string[]): HTMLTableRowElement {
  const row = element('tr', 'torchinspect-model-row');
  row.dataset.name = tensor.name;
  if (tensor.name === selected) row.setAttribute('aria-selected', 'true');
  const nameCell = element('td', 'torchinspect-model-name');
  const aliases = 'aliases' in tensor && Array.isArray(tensor.aliases) && tensor.aliases.length > 0 ? ` (also ${tensor.aliases.join(', ')})` : '';
  if (select !== undefined && tensor.lazy !== true) {
    const button = labelledButton(tensor.name, `Show ${tensor.name}'s values${'grad' in tensor ? ' and grad' : ''}`, 'torchinspect-model-open');
    button.addEventListener('click', () => select(tensor.name));
    nameCell.append(button, aliases);
  } else {
    nameCell.textContent = tensor.name + aliases;
  }
  row.appendChild(nameCell);
  const shape = tensor.shape === null ? 'lazy' : formatShape(tensor.shape);
  for (const text of [shape, tensor.dtype ?? '–', deviceText(tensor), ...rest]) row.appendChild(element('td', '', text));
  if (rest.some(text => /NaN|Inf/.test(text))) row.classList.add('torchinspect-model-trouble');
  return row;
}
