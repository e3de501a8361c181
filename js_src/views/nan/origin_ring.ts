/**
 * A graph layer that rings the node where the NaN or Inf began and brings it into view once,
 * with a note in its details. It knows the graph only through the layer contract.
 */

import type { GraphBox } from '../../core/graph/model';
import { element } from '../dom';
import type { GraphLayer, MountLayer } from '../graph/layer';

export function originRing(originId: string | null): MountLayer {
  return (parts, host): GraphLayer => {
    let ringed: string | null = null;
    let centred = false;
    return {
      update() {},
      drawn(model, graph) {
        ringed = originId === null ? null : (model.boxOf.get(originId) ?? null);
        const origin = ringed;
        graph.drawing.dress('nan-origin', { box: (element, { box }) => element.classList.toggle('is-nan-origin', box.id === origin) });
        if (origin === null || centred) return;
        centred = true;
        // After the graph view's own first fit, which follows this call; once the stage has a
        // size (centring moves the view, and the graph stops fitting itself on resize).
        queueMicrotask(() => {
          if (parts.svg.clientWidth > 0) host.centre(origin);
        });
      },
      detailsOf(box: GraphBox | null): HTMLElement[] {
        if (box === null || box.id !== ringed) return [];
        return [element('p', 'torchinspect-nan-note', box.node === null ? 'the NaN or Inf began inside' : 'the NaN or Inf began here')];
      },
      destroy() {}
    };
  };
}
