/**
 * The Tensors sidebar panel: the current notebook's tensors, one line each, filterable and
 * sortable; a click (or Enter) on one opens its inspector. It draws what a connector holds
 * and says plainly why there is nothing to list. Kernel strings are set as text, never HTML.
 */

import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { element } from '../views/dom';
import { SORT_LABELS, arrangeRows, hasTrouble, shortName, troubleWords, type SortKey, type TensorSection } from './tensor_list';
import { describeState, type ConnectorState } from './kernel_side';
import type { TensorConnector } from './tensor_connector';
import type { TensorRow } from '../core/protocol';

export const INSTALL_COMMAND = 'pip install torchinspect';

export interface TensorsPanelHost {
  /** Open the inspector of the tensor of this name. */
  openTensor(name: string): void;
  /** The panel was shown: it is time to point it at the current notebook. */
  shown(): void;
}

export interface TensorsSource {
  connector: TensorConnector;
  /** The notebook the tensors belong to, as its tab names it. */
  label: string;
}

export class TensorsPanel extends Widget {
  private source: TensorsSource | null = null;
  private sort: SortKey = 'name';
  private problem = '';
  private readonly sourceLine = element('p', 'torchinspect-sidebar-source');
  private readonly controlsRow = element('div', 'torchinspect-sidebar-controls');
  private readonly filter = element('input', 'torchinspect-sidebar-filter');
  private readonly sortChoice = element('select', 'torchinspect-sidebar-sort');
  private readonly status = element('p', 'torchinspect-sidebar-status');
  private readonly fix = element('div', 'torchinspect-sidebar-fix');
  private readonly list = element('div', 'torchinspect-tensor-list');
  private readonly omitted = element('p', 'torchinspect-note torchinspect-sidebar-omitted');

  constructor(private readonly host: TensorsPanelHost) {
    super();
    this.addClass('torchinspect');
    this.addClass('torchinspect-sidebar');
    this.node.append(this.header(), this.controls(), this.status, this.fix, this.list, this.omitted);
    this.status.setAttribute('role', 'status');
    this.list.setAttribute('role', 'list');
    this.list.setAttribute('aria-label', 'tensors');
    this.list.addEventListener('click', event => this.onClick(event));
    this.render();
  }

  /** Show the tensors of another notebook, or none. */
  setSource(source: TensorsSource | null): void {
    if (source?.connector === this.source?.connector && source?.label === this.source?.label) return;
    this.disconnect();
    this.source = source;
    this.problem = '';
    if (source !== null) {
      source.connector.rowsChanged.connect(this.render, this);
      source.connector.stateChanged.connect(this.render, this);
      source.connector.problem.connect(this.onProblem, this);
    }
    this.render();
  }

  override dispose(): void {
    this.disconnect();
    super.dispose();
  }

  private disconnect(): void {
    const connector = this.source?.connector;
    connector?.rowsChanged.disconnect(this.render, this);
    connector?.stateChanged.disconnect(this.render, this);
    connector?.problem.disconnect(this.onProblem, this);
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.host.shown();
  }

  private header(): HTMLElement {
    const header = element('header', 'torchinspect-sidebar-header');
    header.append(element('h2', 'torchinspect-sidebar-title', 'Tensors'), this.sourceLine);
    return header;
  }

  private controls(): HTMLElement {
    const controls = this.controlsRow;
    this.filter.type = 'search';
    this.filter.placeholder = 'Filter: name, shape, dtype, NaN…';
    this.filter.setAttribute('aria-label', 'Filter tensors');
    this.filter.addEventListener('input', () => this.render());
    for (const [key, label] of Object.entries(SORT_LABELS)) {
      const option = element('option', '', label);
      option.value = key;
      this.sortChoice.appendChild(option);
    }
    this.sortChoice.setAttribute('aria-label', 'Sort tensors by');
    this.sortChoice.addEventListener('change', () => {
      this.sort = this.sortChoice.value as SortKey;
      this.render();
    });
    const sortLabel = element('label', 'torchinspect-sidebar-sort-label', 'Sort by ');
    sortLabel.appendChild(this.sortChoice);
    controls.append(this.filter, sortLabel);
    return controls;
  }

  private onProblem(_: TensorConnector, message: string): void {
    this.problem = message;
    this.render();
  }

  private onClick(event: MouseEvent): void {
    const row = (event.target as Element).closest<HTMLElement>('.torchinspect-tensor-row');
    if (row?.dataset.name) this.host.openTensor(row.dataset.name);
  }

  private render(): void {
    const source = this.source;
    this.sourceLine.textContent = source === null ? 'No notebook is open.' : source.label;
    const state: ConnectorState | null = source?.connector.state ?? null;
    this.renderFix(state);
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.name;
    this.controlsRow.hidden = state?.kind !== 'ready';
    if (source === null || state === null || state.kind !== 'ready') {
      this.status.textContent = source === null ? 'Open a notebook to see the tensors of its kernel.' : describeState(state!);
      this.list.replaceChildren();
      this.omitted.textContent = '';
      return;
    }
    const rows = source.connector.rows;
    const sections = arrangeRows(rows.values(), { filter: this.filter.value, sort: this.sort });
    const shown = sections.reduce((count, section) => count + section.rows.length, 0);
    this.status.textContent = this.problem || statusLine(rows.size, shown);
    this.list.replaceChildren(...sections.map(section => this.section(section)));
    const omitted = source.connector.omitted;
    this.omitted.textContent = omitted > 0 ? `${omitted} more tensors are not listed (the kernel lists at most ${rows.size}).` : '';
    if (focused) this.list.querySelector<HTMLElement>(`[data-name="${CSS.escape(focused)}"]`)?.focus();
  }

  private renderFix(state: ConnectorState | null): void {
    if (state?.kind !== 'missing') {
      this.fix.replaceChildren();
      return;
    }
    const command = element('code', 'torchinspect-sidebar-command', INSTALL_COMMAND);
    const install = element('p', '', 'Install it in the kernel’s environment with ');
    install.append(command, ' (in a notebook cell: ', element('code', '', `%${INSTALL_COMMAND}`), '), then restart the kernel.');
    this.fix.replaceChildren(install, element('p', 'torchinspect-note', `The kernel said: ${state.detail}`));
  }

  private section(section: TensorSection): HTMLElement {
    const rows = section.rows.map(row => tensorRow(row));
    if (section.group === null) {
      const group = element('div', 'torchinspect-tensor-section');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'variables');
      group.append(...rows);
      return group;
    }
    const group = element('div', 'torchinspect-tensor-section torchinspect-tensor-module');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', `parameters of ${section.group}`);
    const heading = element('h3', 'torchinspect-tensor-module-name', section.group);
    const count = section.rows.length;
    heading.appendChild(element('span', 'torchinspect-note', ` ${section.groupType ?? ''} · ${count} parameter${count === 1 ? '' : 's'}`));
    group.append(heading, ...rows);
    return group;
  }
}

function tensorRow(row: TensorRow): HTMLElement {
  const button = element('button', 'torchinspect-tensor-row');
  button.type = 'button';
  button.dataset.name = row.name;
  button.setAttribute('role', 'listitem');
  button.title = `${row.name}: ${row.summary}\nClick to open its inspector.`;
  button.appendChild(element('span', 'torchinspect-tensor-name', shortName(row)));
  const values = troubleWords(row.nonfinite);
  const grad = troubleWords(row.grad_nonfinite);
  if (values) button.appendChild(element('span', 'torchinspect-tensor-badge torchinspect-badge-trouble', values));
  if (grad) button.appendChild(element('span', 'torchinspect-tensor-badge torchinspect-badge-trouble', `grad ${grad}`));
  if (row.not_counted !== null) {
    const unknown = element('span', 'torchinspect-tensor-badge torchinspect-badge-unknown', 'NaN/Inf not counted');
    unknown.title = row.not_counted;
    button.appendChild(unknown);
  }
  button.appendChild(element('span', 'torchinspect-tensor-summary', row.summary));
  button.classList.toggle('torchinspect-trouble', hasTrouble(row));
  return button;
}

function statusLine(total: number, shown: number): string {
  if (total === 0) return 'No tensors yet: they appear here after a cell makes one.';
  if (shown === total) return `${total} tensor${total === 1 ? '' : 's'}`;
  return `${shown} of ${total} tensors match the filter`;
}
