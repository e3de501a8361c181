/**
 * One tensor of a notebook's kernel, opened from the Tensors sidebar or "Inspect tensor": the
 * tensor view (the inspector and the backward graph), fed by the kernel connector. It takes a new
 * snapshot when the sidebar's row of the tensor changes (after a cell), and keeps its last
 * picture, saying so, once the tensor or its kernel is gone.
 */

import { Widget } from '@lumino/widgets';

import type { KernelRequests, SnapshotReply, TensorRow } from '../core/protocol';
import { element } from '../views/dom';
import { mountTensorView, type TensorViewData } from '../views/tensor_view';
import type { View } from '../views/view';
import type { TensorConnector } from './tensor_connector';
import { tensorIcon } from './icon';

let opened = 0;

export class TensorInspectorPanel extends Widget {
  private readonly status = element('p', 'torchinspect-note torchinspect-inspector-status');
  private readonly body = element('div', 'torchinspect-inspector-body');
  private readonly requests: KernelRequests;
  private view: View<TensorViewData> | null = null;
  private watched: TensorRow | undefined;
  private asked = 0;

  constructor(
    readonly connector: TensorConnector,
    readonly tensorName: string,
    notebookLabel: string
  ) {
    super();
    this.id = `torchinspect-inspector-${++opened}`;
    this.addClass('torchinspect-inspector-panel');
    this.title.label = tensorName;
    this.title.caption = `${tensorName} in ${notebookLabel}`;
    this.title.icon = tensorIcon;
    this.title.closable = true;
    this.status.setAttribute('role', 'status');
    this.requests = connector.requestsFor(tensorName);
    this.node.append(this.status, this.body);
    connector.rowsChanged.connect(this.onRowsChanged, this);
    connector.stateChanged.connect(this.onStateChanged, this);
    this.watched = this.watchedRow();
    void this.refresh();
  }

  override dispose(): void {
    this.connector.rowsChanged.disconnect(this.onRowsChanged, this);
    this.connector.stateChanged.disconnect(this.onStateChanged, this);
    this.asked += 1;
    this.view?.destroy();
    super.dispose();
  }

  /** Ask the kernel for the tensor's snapshot and graph again. */
  async refresh(): Promise<void> {
    const mine = ++this.asked;
    this.status.textContent = `Reading ${this.tensorName} in the kernel…`;
    try {
      const reply = await this.connector.requestSnapshot(this.tensorName);
      if (mine !== this.asked || this.isDisposed) return;
      this.display(reply);
      this.status.textContent = 'Live: updates after each cell that changes it.';
    } catch (error) {
      if (mine !== this.asked || this.isDisposed) return;
      const lastPicture = this.view === null ? '' : ' This is its last picture.';
      this.status.textContent = `${(error as Error).message}${lastPicture}`;
    }
  }

  private display(reply: SnapshotReply): void {
    const data = { snapshot: reply.snapshot, graph: reply.graph };
    if (this.view === null) this.view = mountTensorView(this.body, data, { requests: this.requests });
    else this.view.update(data);
  }

  private onRowsChanged(): void {
    const row = this.watchedRow();
    const changed = row !== this.watched;
    this.watched = row;
    if (row !== undefined) {
      if (changed) void this.refresh();
    } else if (this.view === null) {
      void this.refresh();
    } else {
      this.asked += 1;
      this.status.textContent =
        `${this.tensorName} is not in the kernel’s namespace now (deleted, or not made again since the kernel ` +
        'restarted): this is its last picture.';
    }
  }

  private onStateChanged(connector: TensorConnector): void {
    if (connector.state.kind !== 'ready') {
      this.asked += 1;
      this.status.textContent = 'The kernel restarted or changed: this is the tensor’s last picture, until a cell makes it again.';
    }
  }

  /** The sidebar row whose change means this tensor changed: `x` for `x.grad`. */
  private watchedRow(): TensorRow | undefined {
    const rows = this.connector.rows;
    return rows.get(this.tensorName) ?? (this.tensorName.endsWith('.grad') ? rows.get(this.tensorName.slice(0, -5)) : undefined);
  }
}
