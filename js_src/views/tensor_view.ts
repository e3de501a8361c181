/**
 * The tensor view every host mounts: the inspector (what the tensor is and holds), and under it,
 * while the tensor has one, its backward graph with the gradient flow of the last backward().
 * A host connects its model to this view and nothing more: it passes the data as it arrived
 * and, where a kernel is behind it, the requests the views may make.
 */

import type { KernelRequests } from '../core/protocol';
import type { GraphSnapshot } from '../core/schema';
import { element } from './dom';
import { mountGradientFlow } from './flow/flow';
import { mountGraph, type GraphData } from './graph/graph';
import { mountInspector } from './tensor/inspector';
import { mountSharding } from './tensor/sharding';
import type { View } from './view';

export interface TensorViewData {
  /** The tensor's snapshot (torchinspect.tensor/1) as sent. */
  snapshot: unknown;
  /** The backward graph behind it (torchinspect.graph/1); absent, or an empty object for a leaf. */
  graph?: unknown;
  /** The gradients recorded by the last backward() through that graph; absent or {} until one ran. */
  gradients?: unknown;
}

/**
 * What the views may ask of the kernel; none for a saved or exported output, whose slicer and "Show" buttons stay hidden.
 * A DTensor's inspector asks for the graph's elided units alone (its rank walks them by itself).
 */
export interface TensorViewHost {
  requests?: Partial<KernelRequests>;
}

export function mountTensorView(el: HTMLElement, data: TensorViewData, host: TensorViewHost = {}): View<TensorViewData> {
  const requests = host.requests;
  const inspector = mountInspector(el, data.snapshot, { requestPreview: requests?.preview });
  const layout = mountSharding(el, data.snapshot);
  const section = element('section', 'torchinspect torchinspect-graph-section');
  section.setAttribute('aria-label', 'backward graph');
  let graph: View<GraphData> | null = null;
  let shown = data;

  const showGraph = (next: TensorViewData): void => {
    if (!hasSchema(next.graph)) {
      graph?.destroy();
      graph = null;
      section.remove();
      return;
    }
    const graphData = { graph: next.graph as GraphSnapshot, gradients: next.gradients };
    if (graph === null) {
      el.appendChild(section);
      graph = mountGraph(section, graphData, { requestNodeTensor: requests?.nodeTensor, requestGraphPart: requests?.graphPart, requestFullText: requests?.fullText, layer: mountGradientFlow });
    } else {
      graph.update(graphData);
    }
  };
  showGraph(data);

  return {
    update(next) {
      if (next.snapshot !== shown.snapshot) {
        inspector.update(next.snapshot);
        layout.update(next.snapshot);
      }
      if (next.graph !== shown.graph || next.gradients !== shown.gradients) showGraph(next);
      shown = next;
    },
    destroy() {
      graph?.destroy();
      section.remove();
      layout.destroy();
      inspector.destroy();
    }
  };
}

function hasSchema(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'schema' in data;
}
