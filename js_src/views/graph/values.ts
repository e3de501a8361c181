/**
 * A graph tensor's values on request: the selected leaf, or a tensor an op saved for backward,
 * asked of the kernel on a click and shown under the graph with the inspector view. Only hosts
 * with a kernel pass a request function; a stored graph shows metadata alone.
 */

import type { KernelRequests, NodeTensorRequest } from '../../core/protocol';
import type { GraphNode } from '../../core/schema';
import { element } from '../dom';
import { mountInspector } from '../tensor/inspector';
import type { View } from '../view';

/** Resolves with the tensor's snapshot as stored JSON, or rejects with the kernel's words. */
export type RequestNodeTensor = KernelRequests['nodeTensor'];

export interface NodeValues {
  /** The buttons for what of `node` can be shown; none for an op that saved no tensor. */
  buttonsFor(node: GraphNode): HTMLElement[];
  destroy(): void;
}

export function mountNodeValues(el: HTMLElement, request: RequestNodeTensor): NodeValues {
  const area = element('section', 'torchinspect-graph-values');
  area.setAttribute('aria-label', 'values of a graph tensor');
  area.hidden = true;
  el.appendChild(area);
  let inspector: View<unknown> | null = null;
  let asked = 0;

  const clear = (): void => {
    inspector?.destroy();
    inspector = null;
    area.replaceChildren();
    area.hidden = true;
  };
  const show = async (wanted: NodeTensorRequest, label: string): Promise<void> => {
    const ticket = ++asked;
    inspector?.destroy();
    inspector = null;
    const close = element('button', 'torchinspect-button torchinspect-graph-values-close', 'Close');
    close.type = 'button';
    close.addEventListener('click', clear);
    const status = element('p', 'torchinspect-graph-values-status', 'Asking the kernel…');
    area.replaceChildren(element('h3', 'torchinspect-graph-values-title', label), close, status);
    area.hidden = false;
    try {
      const snapshot = await request(wanted);
      if (ticket !== asked) return;
      status.remove();
      inspector = mountInspector(area, snapshot, {});
    } catch (error) {
      if (ticket !== asked) return;
      status.textContent = (error as Error).message;
      status.classList.add('torchinspect-error');
    }
  };
  const button = (text: string, wanted: NodeTensorRequest, label: string): HTMLElement => {
    const node = element('button', 'torchinspect-button torchinspect-graph-values-show', text);
    node.type = 'button';
    node.addEventListener('click', () => void show(wanted, label));
    return node;
  };

  return {
    buttonsFor(node) {
      if (node.kind === 'leaf') {
        const name = node.name ?? `the leaf ${node.id}`;
        const wanted = { node: node.id, op: node.op, saved: null, name: node.name };
        return [button(`Show the values of ${name}`, wanted, `Values of ${name}`)];
      }
      if (node.kind !== 'op') return [];
      return Object.entries(node.saved_tensors)
        .filter(([, saved]) => saved.kind === 'tensor')
        .map(([saved]) =>
          button(`Show saved ${saved}`, { node: node.id, op: node.op, saved, name: null }, `${node.op} saved ${saved} (${node.id})`)
        );
    },
    destroy() {
      asked++;
      clear();
      area.remove();
    }
  };
}
