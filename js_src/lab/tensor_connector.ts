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

import {
  COMM_TARGET, Kind, PendingRequests, PROTOCOL, putBuffers, readGraphPart, readNodeTensor, readPreview, REQUEST_TIMEOUT_MS, type KernelRequests,
  type ListReply, type Reply, type RequestKind, type SnapshotReply, type TensorRow, type UpdateMessage
} from '../core/protocol';
import { describeState, importKernelSide, type ConnectorState } from './kernel_side';

const GONE_MESSAGE = 'The kernel went away (restarted, changed or shut down).';
const BUSY_MESSAGE = 'The kernel has not answered yet: it may be busy running a cell. The sidebar connects once it is idle.';

export class TensorConnector {
  private readonly stateSignal = new Signal<this, ConnectorState>(this);
  private readonly rowsSignal = new Signal<this, void>(this);
  private readonly problemSignal = new Signal<this, string>(this);
  readonly stateChanged: ISignal<this, ConnectorState> = this.stateSignal;
  readonly rowsChanged: ISignal<this, void> = this.rowsSignal;
  /** A problem the kernel reported after a cell (the rows stay as they were). */
  readonly problem: ISignal<this, string> = this.problemSignal;
  private _state: ConnectorState = { kind: 'waiting', message: 'Waiting for the kernel…' };
  private _rows = new Map<string, TensorRow>();
  private _omitted = 0;
  private comm: Kernel.IComm | null = null;
  private readonly requests = new PendingRequests(message => this.comm?.send(message as JSONObject));
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

  /** The rows by name, as the kernel last listed them. */
  get rows(): ReadonlyMap<string, TensorRow> {
    return this._rows;
  }

  /** Tensors the kernel did not list, past its limit of rows. */
  get omitted(): number {
    return this._omitted;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A tensor's snapshot and its backward graph, by name (looked up in the kernel, never evaluated). */
  async requestSnapshot(name: string): Promise<SnapshotReply> {
    return (await this.request(Kind.Snapshot, { name })).content as unknown as SnapshotReply;
  }

  /**
   * What the views of a named tensor may ask: another slice of its values or grad, the
   * snapshot of a leaf or saved tensor in its graph, and units of the graph the reply elided. "name" names the inspected tensor on this
   * comm, so a graph tensor's own name travels as "label".
   */
  requestsFor(name: string): KernelRequests {
    return {
      preview: async (target, axes, index) => readPreview(await this.request(Kind.Preview, { name, target, axes, index })),
      nodeTensor: async ({ node, op, saved, name: label }) =>
        readNodeTensor(await this.request(Kind.NodeTensor, { name, node, op, saved, label })),
      graphPart: async ({ repeat, count, stretch, units, edges }) =>
        readGraphPart(await this.request(Kind.GraphPart, { name, repeat, count, stretch, units, edges }))
    };
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
    const listing = (await this.requests.send(Kind.List, {}, null)).content as unknown as ListReply;
    if (generation !== this.generation) return;
    this._rows = new Map(listing.rows.map(row => [row.name, row]));
    this._omitted = listing.omitted;
    this.rowsSignal.emit();
  }

  private onMessage(message: KernelMessage.ICommMsgMsg, generation: number): void {
    if (generation !== this.generation) return;
    const content = (message.content.data ?? {}) as Record<string, unknown>;
    putBuffers(content, message.buffers ?? []);
    if (content.kind === Kind.Update) {
      this.applyUpdate(content as unknown as UpdateMessage);
      return;
    }
    if (!this.requests.settle(content) && content.kind === Kind.Error) this.problemSignal.emit(String(content.message));
  }

  private applyUpdate(update: UpdateMessage): void {
    for (const name of update.removed) this._rows.delete(name);
    for (const row of update.rows) this._rows.set(row.name, row);
    this._omitted = update.omitted;
    this.rowsSignal.emit();
  }

  private request(kind: RequestKind, fields: Record<string, unknown>): Promise<Reply> {
    if (this.comm === null || this._state.kind !== 'ready') {
      const why = this._state.kind === 'ready' ? GONE_MESSAGE : describeState(this._state);
      return Promise.reject(new Error(why));
    }
    return this.requests.send(kind, fields);
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
    this.stateSignal.emit(state);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
