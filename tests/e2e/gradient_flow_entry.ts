/**
 * The graph view with recorded gradients, for tests/e2e/gradient_flow_harness.html: window.flows
 * mounts a graph with its gradients, hands the view new gradients as the widget does after
 * another backward(), and records what the view reports as selected.
 */

import type { GraphNode, GraphSnapshot } from '../../js_src/core/schema';
import { mountGraph, type GraphData } from '../../js_src/views/graph';
import type { View } from '../../js_src/views/view';

const views: View<GraphData>[] = [];
const hosts: HTMLElement[] = [];
const graphsShown: GraphSnapshot[] = [];
const selections: (string | null)[] = [];

const flows = {
  mount(graph: GraphSnapshot, gradients: unknown): number {
    const host = document.createElement('div');
    host.className = 'torchinspect';
    document.getElementById('hosts')!.appendChild(host);
    const onSelect = (node: GraphNode | null) => selections.push(node?.id ?? null);
    views.push(mountGraph(host, { graph, gradients }, { onSelect }));
    hosts.push(host);
    graphsShown.push(graph);
    return views.length - 1;
  },
  /** New gradients through the same graph object, as the widget passes them on `change:gradients`. */
  update(id: number, gradients: unknown): void {
    views[id].update({ graph: graphsShown[id], gradients });
  },
  selections,
  destroy(id: number): void {
    views[id].destroy();
    hosts[id].remove();
  }
};

(window as unknown as { flows: typeof flows }).flows = flows;
