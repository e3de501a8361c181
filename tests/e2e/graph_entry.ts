/**
 * The graph view for tests/e2e/graph_harness.html: window.graphs mounts it on a host framed
 * like the card, records what it reports as selected, and reads the performance marks.
 */

import type { GraphNode, GraphSnapshot } from '../../js_src/core/schema';
import { mountGraph } from '../../js_src/views/graph';
import type { View } from '../../js_src/views/view';

const views: View<{ graph: GraphSnapshot }>[] = [];
const selections: (string | null)[] = [];

const graphs = {
  mount(graph: GraphSnapshot): number {
    const host = document.createElement('div');
    host.className = 'torchinspect';
    document.getElementById('hosts')!.appendChild(host);
    const onSelect = (node: GraphNode | null) => selections.push(node?.id ?? null);
    views.push(mountGraph(host, { graph }, { onSelect }));
    return views.length - 1;
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
  }
};

(window as unknown as { graphs: typeof graphs }).graphs = graphs;
