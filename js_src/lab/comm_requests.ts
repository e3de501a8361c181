/**
 * Requests over the sidebar's comm: each carries an id, and each promise settles with the
 * kernel's reply of the same kind, its error reply, or a timeout that says the kernel may be
 * busy. Only the first listing of a connection waits without a timeout: the kernel answers it
 * once the cell it is running ends, and the sidebar says meanwhile that it is connecting.
 */

import type { Kernel } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';

export const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  kind: string;
  resolve(content: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class CommRequests {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Send a request of `kind`; `timeoutMs` null waits for as long as the kernel takes. */
  send(comm: Kernel.IComm, kind: string, fields: JSONObject, timeoutMs: number | null = REQUEST_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`The kernel did not answer within ${timeoutMs / 1000} s: it may be busy running a cell. Try again once it is idle.`));
            }, timeoutMs);
      this.pending.set(id, { kind, resolve, reject, timer });
      comm.send({ ...fields, kind, id });
    });
  }

  /** Settle the request a message answers; false when it answers none. */
  settle(content: Record<string, unknown>): boolean {
    const waiting = typeof content.id === 'number' ? this.pending.get(content.id) : undefined;
    if (waiting === undefined) return false;
    this.pending.delete(content.id as number);
    clearTimeout(waiting.timer);
    if (content.kind === waiting.kind) waiting.resolve(content);
    else waiting.reject(new Error(String(content.message ?? 'torchinspect: the kernel sent a reply this page cannot read')));
    return true;
  }

  /** Reject everything still waiting, saying why. */
  rejectAll(reason: string): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(reason));
    }
    this.pending.clear();
  }
}
