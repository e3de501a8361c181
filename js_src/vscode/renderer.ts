/**
 * VS Code's notebook renderer for what torchinspect saves in a notebook: an inspector's snapshot
 * (`application/vnd.torchinspect.tensor+json`), drawn with the same tensor view as JupyterLab's
 * saved outputs, card and, when the output carries them, the backward graph and its gradient
 * flow; and a comparison (`application/vnd.torchinspect.comparison+json`). No kernel is behind
 * it, so the slicer and the graph's "Show" buttons stay hidden.
 *
 * VS Code hands a renderer one MIME type of an output. The graph and the gradients are the same
 * output's other MIME types, read through `_allOutputItems`, which VS Code's webview offers on
 * every output item but calls proposed API, so it is feature-tested. VS Code 1.100 answers it for
 * an output drawn in view; for one it drew ahead of the viewport while opening the notebook it
 * answers nothing, and that output shows its card alone (docs/hosts.md).
 *
 * VS Code loads this module in the notebook's webview and calls `activate` once; it then calls
 * `renderOutputItem` for each output (again when that output changes) and `disposeOutputItem`
 * when outputs go. What the renderer holds lives in the object `activate` returns, not in the
 * module. The views' stylesheet is bundled in by build.mjs as `TORCHINSPECT_CSS`.
 */

import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';

import { COMPARISON_MIME_TYPE, GRADIENTS_MIME_TYPE, GRAPH_MIME_TYPE, type ComparisonSnapshot } from '../core/schema';
import { element } from '../views/dom';
import { mountComparison } from '../views/tensor/comparison';
import { mountTensorView, type TensorViewData } from '../views/tensor_view';
import type { View } from '../views/view';

declare const TORCHINSPECT_CSS: string;

const STYLE_ID = 'torchinspect-vscode-style';
const WITHHELD_CLASS = 'torchinspect-graph-withheld';
const WITHHELD =
  'This output also saved its backward graph, which VS Code did not hand to this view: it does so for ' +
  'outputs it draws in view, not for those it draws ahead while the notebook opens. JupyterLab shows it.';

/** The part of VS Code's output item that reaches the output's other MIME types. */
type Siblings = ReadonlyArray<{ readonly mime: string; getItem(): Promise<OutputItem | undefined> }>;
interface WithSiblings {
  readonly _allOutputItems?: Siblings;
}

interface Shown {
  element: HTMLElement;
  mime: string;
  view: View<TensorViewData> | View<ComparisonSnapshot>;
}

export const activate: ActivationFunction = () => {
  const shown = new Map<string, Shown>();
  const dispose = (id: string): void => {
    shown.get(id)?.view.destroy();
    shown.delete(id);
  };
  /** Updates the output's view in place, or mounts a new one where the output or its kind changed. */
  const show = (outputItem: OutputItem, target: HTMLElement, data: TensorViewData | ComparisonSnapshot): void => {
    const current = shown.get(outputItem.id);
    if (current !== undefined && current.element === target && current.mime === outputItem.mime) {
      (current.view as View<unknown>).update(data);
      return;
    }
    dispose(outputItem.id);
    target.replaceChildren();
    const view =
      outputItem.mime === COMPARISON_MIME_TYPE
        ? mountComparison(target, data as ComparisonSnapshot)
        : mountTensorView(target, data as TensorViewData);
    shown.set(outputItem.id, { element: target, mime: outputItem.mime, view });
  };
  return {
    async renderOutputItem(outputItem: OutputItem, target: HTMLElement, signal: AbortSignal): Promise<void> {
      addStyle(target);
      let data: unknown;
      try {
        data = outputItem.json();
      } catch (error) {
        dispose(outputItem.id);
        target.replaceChildren(element('p', 'torchinspect torchinspect-error', `torchinspect: this output is not JSON (${(error as Error).message}).`));
        return;
      }
      if (outputItem.mime === COMPARISON_MIME_TYPE) return show(outputItem, target, data as ComparisonSnapshot);
      show(outputItem, target, { snapshot: data });
      const siblings = (outputItem as OutputItem & WithSiblings)._allOutputItems ?? [];
      if (!siblings.some((sibling) => sibling.mime === GRAPH_MIME_TYPE)) return;
      const saved = await savedGraph(siblings);
      if (signal.aborted || shown.get(outputItem.id)?.element !== target) return;
      target.querySelector(`.${WITHHELD_CLASS}`)?.remove();
      if (saved.graph === undefined) {
        target.appendChild(element('p', `torchinspect torchinspect-note ${WITHHELD_CLASS}`, WITHHELD));
        return;
      }
      show(outputItem, target, { snapshot: data, ...saved });
    },
    disposeOutputItem(id?: string): void {
      for (const key of id === undefined ? [...shown.keys()] : [id]) dispose(key);
    }
  };
};

/** The backward graph and gradients saved in the same output. */
async function savedGraph(siblings: Siblings): Promise<Pick<TensorViewData, 'graph' | 'gradients'>> {
  const read = async (mime: string): Promise<unknown> => {
    const item = await siblings.find((sibling) => sibling.mime === mime)?.getItem();
    try {
      return item?.json();
    } catch {
      return undefined; // a graph that is not JSON is left out: the card still shows
    }
  };
  const [graph, gradients] = await Promise.all([read(GRAPH_MIME_TYPE), read(GRADIENTS_MIME_TYPE)]);
  return { graph, gradients };
}

/** The stylesheet, once per document or shadow root that outputs are drawn in. */
function addStyle(target: HTMLElement): void {
  const root = target.getRootNode();
  const holder = root instanceof ShadowRoot ? root : target.ownerDocument.head;
  if (holder.querySelector(`#${STYLE_ID}`) !== null) return;
  const style = target.ownerDocument.createElement('style');
  style.id = STYLE_ID;
  style.textContent = TORCHINSPECT_CSS;
  holder.appendChild(style);
}
