/**
 * The graph view for tests/e2e/graph_harness.html: window.graphs mounts it (with recorded
 * gradients, or none) on a host framed like the card, hands it new gradients as the widget does
 * after another backward(), records what it reports as selected, and reads the performance marks.
 */

import type { GraphNode, GraphSnapshot } from '../../js_src/core/schema';
import { mountGradientFlow } from '../../js_src/views/flow/flow';
import { mountGraph, type GraphData } from '../../js_src/views/graph/graph';
import type { View } from '../../js_src/views/view';

const views: View<GraphData>[] = [];
const hosts: HTMLElement[] = [];
const graphsShown: GraphSnapshot[] = [];
const selections: (string | null)[] = [];

const graphs = {
  mount(graph: GraphSnapshot, gradients?: unknown): number {
    const host = document.createElement('div');
    host.className = 'torchinspect';
    document.getElementById('hosts')!.appendChild(host);
    const onSelect = (node: GraphNode | null) => selections.push(node?.id ?? null);
    views.push(mountGraph(host, { graph, gradients }, { onSelect, layer: mountGradientFlow }));
    hosts.push(host);
    graphsShown.push(graph);
    return views.length - 1;
  },
  /** New gradients through the same graph object, as the widget passes them on `change:gradients`. */
  update(id: number, gradients: unknown): void {
    views[id].update({ graph: graphsShown[id], gradients });
  },
  /** Milliseconds from the view's mounted mark to its drawn mark, for the latest mount. */
  mountToDrawn(): number {
    const [mounted] = performance.getEntriesByName('torchinspect:graph-mounted').slice(-1);
    const [drawn] = performance.getEntriesByName('torchinspect:graph-drawn').slice(-1);
    return drawn.startTime - mounted.startTime;
  },
  selections,
  destroy(id: number): void {
    views[id].destroy();
    hosts[id].remove();
  }
};

(window as unknown as { graphs: typeof graphs }).graphs = graphs;
