/**
 * The kernel connector of the Tensors sidebar: one per notebook session.
 *
 * It follows the session's kernel through starts, restarts and changes: for each kernel it
 * runs the silent import, opens a comm on the sidebar's target, and keeps the rows the
 * kernel lists and pushes after each cell. Requests carry an id and settle with their
 * reply, an error reply, or a timeout; nothing waits forever. It knows nothing of the DOM.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';
import { Signal, type ISignal } from '@lumino/signaling';

import type { TensorPreview } from '../core/schema';
import type { NodeTensorRequest } from '../views/graph_values';
import { CommRequests, REQUEST_TIMEOUT_MS } from './comm_requests';
import { describeState, importKernelSide, type ConnectorState } from './kernel_side';
import { COMM_TARGET, Kind, PROTOCOL, putBuffers, type ListReply, type SnapshotReply, type TensorRow, type UpdateMessage } from './protocol';

export type PreviewTarget = 'values' | 'grad';

const GONE_MESSAGE = 'The kernel went away (restarted, changed or shut down).';
const BUSY_MESSAGE = 'The kernel has not answered yet: it may be busy running a cell. The sidebar connects once it is idle.';

export class TensorConnector {
  private readonly _stateChanged = new Signal<this, ConnectorState>(this);
  private readonly _rowsChanged = new Signal<this, void>(this);
  private readonly _problem = new Signal<this, string>(this);
  private _state: ConnectorState = { kind: 'waiting', message: 'Waiting for the kernel…' };
  private _rows = new Map<string, TensorRow>();
  private _omitted = 0;
  private comm: Kernel.IComm | null = null;
  private readonly requests = new CommRequests();
  /** Bumped whenever the kernel goes away: replies of an older kernel are dropped. */
  private generation = 0;
  private reattachWhenIdle = false;
  private _isDisposed = false;

  constructor(readonly sessionContext: ISessionContext) {
    sessionContext.kernelChanged.connect(this.onKernelChanged, this);
    sessionContext.statusChanged.connect(this.onStatusChanged, this);
    void this.attach();
  }

  /** Where the connection stands: a kernel to list, or why there is none. */
  get state(): ConnectorState {
    return this._state;
  }

  get stateChanged(): ISignal<this, ConnectorState> {
    return this._stateChanged;
  }

  /** The rows by name, as the kernel last listed them. */
  get rows(): ReadonlyMap<string, TensorRow> {
    return this._rows;
  }

  /** Tensors the kernel did not list, past its limit of rows. */
  get omitted(): number {
    return this._omitted;
  }

  get rowsChanged(): ISignal<this, void> {
    return this._rowsChanged;
  }

  /** A problem the kernel reported after a cell (the rows stay as they were). */
  get problem(): ISignal<this, string> {
    return this._problem;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A tensor's snapshot and its backward graph, by name (looked up in the kernel, never evaluated). */
  async requestSnapshot(name: string): Promise<SnapshotReply> {
    return (await this.request(Kind.Snapshot, { name })) as unknown as SnapshotReply;
  }

  /** Another slice of a named tensor's values or grad. */
  async requestPreview(name: string, target: PreviewTarget, axes: number[], index: (number | null)[]): Promise<TensorPreview> {
    const reply = await this.request(Kind.Preview, { name, target, axes, index });
    const preview = reply.preview as TensorPreview | undefined;
    if (preview === undefined || !(preview.data instanceof DataView)) {
      throw new Error('torchinspect: the kernel sent a slice this page cannot read');
    }
    return preview;
  }

  /** The snapshot (stored JSON) of a leaf or saved tensor in the graph of a named tensor. */
  async requestNodeTensor(name: string, wanted: NodeTensorRequest): Promise<unknown> {
    const reply = await this.request(Kind.NodeTensor, { name, node: wanted.node, op: wanted.op, saved: wanted.saved, label: wanted.name });
    if (reply.snapshot === undefined) throw new Error('torchinspect: the kernel sent a reply this page cannot read');
    return reply.snapshot;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    this.detach({ closeComm: true });
    Signal.clearData(this);
  }

  private onKernelChanged(): void {
    this.detach({ closeComm: false });
    void this.attach();
  }

  private onStatusChanged(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting') {
      this.detach({ closeComm: false });
      this.setState({ kind: 'waiting', message: 'The kernel is restarting…' });
      this.reattachWhenIdle = true;
    } else if (status === 'dead') {
      this.detach({ closeComm: false });
      this.setState({ kind: 'failed', message: 'The kernel died. Restart it to list its tensors again.' });
      this.reattachWhenIdle = true;
    } else if (status === 'idle' && this.reattachWhenIdle) {
      this.reattachWhenIdle = false;
      void this.attach();
    }
  }

  private async attach(): Promise<void> {
    const generation = ++this.generation;
    const kernel = this.sessionContext.session?.kernel ?? null;
    if (kernel === null) {
      this.setState(this.sessionContext.isReady ? { kind: 'no-kernel' } : { kind: 'waiting', message: 'Waiting for the kernel…' });
      return;
    }
    this.setState({ kind: 'waiting', message: 'Connecting to the kernel…' });
    try {
      const language = (await kernel.info).language_info.name;
      if (generation !== this.generation) return;
      if (language !== 'python') {
        this.setState({ kind: 'unsupported', language });
        return;
      }
      const refused = await importKernelSide(kernel);
      if (generation !== this.generation) return;
      if (refused !== null) {
        this.setState(refused);
        return;
      }
      await this.openComm(kernel, generation);
    } catch (error) {
      if (generation === this.generation) this.setState({ kind: 'failed', message: messageOf(error) });
    }
  }

  private async openComm(kernel: Kernel.IKernelConnection, generation: number): Promise<void> {
    const comm = kernel.createComm(COMM_TARGET);
    this.comm = comm;
    const hello = new Promise<Record<string, unknown>>(resolve => {
      // A kernel busy with a cell answers once the cell ends: say so, and keep waiting.
      const timer = setTimeout(() => {
        if (generation === this.generation) this.setState({ kind: 'waiting', message: BUSY_MESSAGE });
      }, REQUEST_TIMEOUT_MS);
      comm.onMsg = message => {
        const content = message.content.data as Record<string, unknown>;
        if (content?.kind === Kind.Hello) {
          clearTimeout(timer);
          comm.onMsg = next => this.onMessage(next, generation);
          resolve(content);
        }
      };
    });
    comm.onClose = () => {
      if (generation === this.generation && this._state.kind === 'ready') {
        this.setState({ kind: 'failed', message: 'The kernel closed the Tensors sidebar’s connection.' });
      }
    };
    comm.open({});
    const greeting = await hello;
    if (generation !== this.generation) return;
    if (greeting.protocol !== PROTOCOL) {
      this.setState({
        kind: 'failed',
        message:
          `The kernel has torchinspect ${String(greeting.version)}, which speaks another version of the sidebar's protocol. ` +
          'Install the same torchinspect in the kernel and in JupyterLab: pip install -U torchinspect, then restart the kernel.'
      });
      return;
    }
    this.setState({ kind: 'ready', version: String(greeting.version) });
    const listing = (await this.requests.send(comm, Kind.List, {}, null)) as unknown as ListReply;
    if (generation !== this.generation) return;
    this._rows = new Map(listing.rows.map(row => [row.name, row]));
    this._omitted = listing.omitted;
    this._rowsChanged.emit();
  }

  private onMessage(message: KernelMessage.ICommMsgMsg, generation: number): void {
    if (generation !== this.generation) return;
    const content = (message.content.data ?? {}) as Record<string, unknown>;
    putBuffers(content, message.buffers ?? []);
    if (content.kind === Kind.Update) {
      this.applyUpdate(content as unknown as UpdateMessage);
      return;
    }
    if (!this.requests.settle(content) && content.kind === Kind.Error) this._problem.emit(String(content.message));
  }

  private applyUpdate(update: UpdateMessage): void {
    for (const name of update.removed) this._rows.delete(name);
    for (const row of update.rows) this._rows.set(row.name, row);
    this._omitted = update.omitted;
    this._rowsChanged.emit();
  }

  private request(kind: string, fields: JSONObject): Promise<Record<string, unknown>> {
    const comm = this.comm;
    if (comm === null || this._state.kind !== 'ready') {
      const why = this._state.kind === 'ready' ? GONE_MESSAGE : describeState(this._state);
      return Promise.reject(new Error(why));
    }
    return this.requests.send(comm, kind, fields);
  }

  /**
   * Forget the kernel's comm, its rows and what waits on it. The comm is closed only while
   * its kernel lives on (the notebook closed); a restarted or replaced kernel lost it already.
   */
  private detach({ closeComm }: { closeComm: boolean }): void {
    this.generation += 1;
    const comm = this.comm;
    this.comm = null;
    if (comm !== null && !comm.isDisposed) {
      if (closeComm) {
        try {
          comm.close();
        } catch {
          // The kernel is already gone: there is nothing to tell it.
        }
      }
      comm.dispose();
    }
    this.requests.rejectAll(GONE_MESSAGE);
    // Cleared without a rowsChanged: the state change that follows tells the views.
    this._rows = new Map();
    this._omitted = 0;
  }

  private setState(state: ConnectorState): void {
    this._state = state;
    this._stateChanged.emit(state);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
