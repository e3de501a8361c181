/**
 * The widget's requests to the kernel over its anywidget comm (custom messages): another slice
 * of a preview, the full snapshot of a tensor in the graph, or units of the graph it elided. The wire and the table of
 * waiting requests are the protocol's (core/protocol.ts); nothing waits forever.
 */

import type { AnyModel } from '@anywidget/types';

import { Kind, PendingRequests, readFullText, readGraphPart, readNodeTensor, readPreview, REQUEST_TIMEOUT_MS, type KernelRequests } from '../core/protocol';
import type { InspectorModel } from './model';

export interface WidgetRequests extends KernelRequests {
  /** Reject what still waits and stop listening: the output was cleared. */
  dispose(): void;
}

export function kernelRequests(model: AnyModel<InspectorModel>, timeoutMs = REQUEST_TIMEOUT_MS): WidgetRequests {
  const pending = new PendingRequests(message => model.send(message), timeoutMs);
  const onMessage = (content: unknown, buffers: DataView[] = []): void => {
    if (typeof content === 'object' && content !== null) pending.settle(content as Record<string, unknown>, buffers);
  };
  model.on('msg:custom', onMessage);
  return {
    preview: async (target, axes, index) => readPreview(await pending.send(Kind.Preview, { target, axes, index })),
    nodeTensor: async ({ node, op, saved, name }) => readNodeTensor(await pending.send(Kind.NodeTensor, { node, op, saved, name })),
    graphPart: async ({ repeat, count, stretch, units, edges }) => readGraphPart(await pending.send(Kind.GraphPart, { repeat, count, stretch, units, edges })),
    fullText: async ({ node, field }) => readFullText(await pending.send(Kind.FullText, { node, field })),
    dispose() {
      model.off('msg:custom', onMessage);
      pending.rejectAll('torchinspect: the inspector was closed');
    }
  };
}
