/**
 * Requests from the page to the kernel over the widget's comm: another slice of a preview, or
 * the full snapshot of a tensor in the graph. Each carries an id, and each promise settles with
 * the kernel's reply, its error, or a timeout. Nothing waits forever.
 */

import type { AnyModel } from '@anywidget/types';

import type { TensorPreview } from '../core/schema';
import type { NodeTensorRequest } from '../views/graph_values';
import type { InspectorModel } from './model';

export type PreviewTarget = 'values' | 'grad';

export interface KernelRequests {
  preview(target: PreviewTarget, axes: number[] | null, index: (number | null)[]): Promise<TensorPreview>;
  /** A tensor snapshot as stored JSON (previews in base64), for the inspector view. */
  nodeTensor(request: NodeTensorRequest): Promise<unknown>;
  dispose(): void;
}

interface Reply {
  kind?: string;
  id?: number;
  message?: string;
  preview?: Omit<TensorPreview, 'data'>;
  snapshot?: unknown;
}

interface Pending {
  /** The result a reply carries, or undefined when the reply is not one this request reads. */
  read(reply: Reply, buffers: DataView[]): unknown;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const UNREADABLE = 'torchinspect: the kernel sent a reply this page cannot read';

export function kernelRequests(model: AnyModel<InspectorModel>, timeoutMs = 15_000): KernelRequests {
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const onMessage = (content: unknown, buffers: DataView[] = []): void => {
    const reply = (content ?? {}) as Reply;
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (waiting === undefined) return;
    pending.delete(reply.id as number);
    clearTimeout(waiting.timer);
    const result = reply.kind === 'torchinspect:error' ? undefined : waiting.read(reply, buffers);
    if (result === undefined) waiting.reject(new Error(reply.message ?? UNREADABLE));
    else waiting.resolve(result);
  };
  model.on('msg:custom', onMessage);

  const ask = <T>(message: Record<string, unknown>, read: Pending['read']): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`torchinspect: the kernel did not answer within ${timeoutMs / 1000} s; is it busy or stopped?`));
      }, timeoutMs);
      pending.set(id, { read, resolve: resolve as (result: unknown) => void, reject, timer });
      model.send({ ...message, id });
    });
  };

  return {
    preview: (target, axes, index) =>
      ask<TensorPreview>({ kind: 'torchinspect:preview', target, axes, index }, (reply, buffers) =>
        reply.kind === 'torchinspect:preview' && reply.preview && buffers[0] ? { ...reply.preview, data: buffers[0] } : undefined
      ),
    nodeTensor: ({ node, op, saved, name }) =>
      ask({ kind: 'torchinspect:node-tensor', node, op, saved, name }, reply =>
        reply.kind === 'torchinspect:node-tensor' ? reply.snapshot : undefined
      ),
    dispose() {
      model.off('msg:custom', onMessage);
      for (const waiting of pending.values()) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error('torchinspect: the inspector was closed'));
      }
      pending.clear();
    }
  };
}
