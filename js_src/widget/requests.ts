/**
 * Requests from the page to the kernel over the widget's comm: each carries an id, and each
 * promise settles with the kernel's reply, its error, or a timeout. Nothing waits forever.
 */

import type { AnyModel } from '@anywidget/types';

import type { TensorPreview } from '../core/schema';
import type { InspectorModel } from './model';

export type PreviewTarget = 'values' | 'grad';

export interface PreviewRequester {
  request(target: PreviewTarget, axes: number[] | null, index: (number | null)[]): Promise<TensorPreview>;
  dispose(): void;
}

interface Pending {
  resolve(preview: TensorPreview): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Reply {
  kind?: string;
  id?: number;
  message?: string;
  preview?: Omit<TensorPreview, 'data'>;
}

export function previewRequester(model: AnyModel<InspectorModel>, timeoutMs = 15_000): PreviewRequester {
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const onMessage = (content: unknown, buffers: DataView[] = []): void => {
    const reply = (content ?? {}) as Reply;
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (waiting === undefined) return;
    pending.delete(reply.id as number);
    clearTimeout(waiting.timer);
    if (reply.kind === 'torchinspect:preview' && reply.preview && buffers[0]) {
      waiting.resolve({ ...reply.preview, data: buffers[0] });
    } else {
      waiting.reject(new Error(reply.message ?? 'torchinspect: the kernel sent a reply this page cannot read'));
    }
  };
  model.on('msg:custom', onMessage);

  return {
    request(target, axes, index) {
      const id = nextId++;
      return new Promise<TensorPreview>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`torchinspect: the kernel did not answer within ${timeoutMs / 1000} s; is it busy or stopped?`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        model.send({ kind: 'torchinspect:preview', id, target, axes, index });
      });
    },
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
