/**
 * VS Code's notebook renderer for `application/vnd.torchinspect.tensor+json`, the snapshot that
 * `inspect()` saves beside its live widget: the same tensor view, drawn without a kernel, so a
 * notebook saved with inspectors shows them in VS Code as it does in JupyterLab.
 *
 * VS Code loads this module in the notebook's webview and calls `activate` once; it then calls
 * `renderOutputItem` for each output (again when that output changes) and `disposeOutputItem`
 * when outputs go. What the renderer holds lives in the object `activate` returns, not in the
 * module. The views' stylesheet is bundled in by build.mjs as `TORCHINSPECT_CSS`.
 */

import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';

import { element } from '../views/dom';
import { mountTensorView, type TensorViewData } from '../views/tensor_view';
import type { View } from '../views/view';

declare const TORCHINSPECT_CSS: string;

const STYLE_ID = 'torchinspect-vscode-style';

interface Shown {
  element: HTMLElement;
  view: View<TensorViewData>;
}

export const activate: ActivationFunction = () => {
  const shown = new Map<string, Shown>();
  const dispose = (id: string): void => {
    shown.get(id)?.view.destroy();
    shown.delete(id);
  };
  return {
    renderOutputItem(outputItem: OutputItem, target: HTMLElement): void {
      addStyle(target);
      const current = shown.get(outputItem.id);
      let data: unknown;
      try {
        data = outputItem.json();
      } catch (error) {
        dispose(outputItem.id);
        target.replaceChildren(element('p', 'torchinspect torchinspect-error', `torchinspect: this output is not JSON (${(error as Error).message}).`));
        return;
      }
      if (current !== undefined && current.element === target) {
        current.view.update({ snapshot: data });
        return;
      }
      dispose(outputItem.id);
      target.replaceChildren();
      shown.set(outputItem.id, { element: target, view: mountTensorView(target, { snapshot: data }) });
    },
    disposeOutputItem(id?: string): void {
      for (const key of id === undefined ? [...shown.keys()] : [id]) dispose(key);
    }
  };
};

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
