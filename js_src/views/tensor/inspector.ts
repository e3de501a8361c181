/**
 * The inspector: a tensor's summary line and the one picture that teaches (its numbers when
 * small, a line plot for 1-D, a heatmap otherwise) beside the same for its gradient; the
 * statistics, histograms and metadata card one click away, behind a disclosure that keeps
 * its state while the snapshot updates; then the copy actions.
 *
 * The host decides what the page may ask of the kernel: the live widget passes a
 * `requestPreview`, a stored output passes none and its slicer stays hidden.
 */

import { wholeDims } from '../../core/format';
import type { KernelRequests, PreviewTarget } from '../../core/protocol';
import { parseTensorSnapshot, type TensorPreview, type TensorSnapshot } from '../../core/schema';
import { normOf, sliceExpression } from '../../core/tensor/slice';
import { copyButton } from './copy';
import { mountCard } from './card';
import { element } from '../dom';
import { mountTensorPanel, type TensorPanel } from './panel';
import { mountSlicer, type SliceChoice } from './slicer';
import type { View } from '../view';

export interface InspectorHost {
  requestPreview?: KernelRequests['preview'];
}

export function mountInspector(el: HTMLElement, data: unknown, host: InspectorHost): View<unknown> {
  const root = element('section', 'torchinspect torchinspect-inspector');
  root.setAttribute('aria-label', 'tensor inspector');
  el.appendChild(root);
  let parts: View<TensorSnapshot> | null = null;

  const update = (next: unknown): void => {
    let snapshot: TensorSnapshot;
    try {
      snapshot = parseTensorSnapshot(next);
    } catch (error) {
      parts?.destroy();
      parts = null;
      root.replaceChildren(element('p', 'torchinspect-error', (error as Error).message));
      return;
    }
    if (parts === null) {
      root.replaceChildren();
      parts = mountParts(root, snapshot, host);
    } else {
      parts.update(snapshot);
    }
  };
  update(data);
  return {
    update,
    destroy() {
      parts?.destroy();
      root.remove();
    }
  };
}

function mountParts(root: HTMLElement, first: TensorSnapshot, host: InspectorHost): View<TensorSnapshot> {
  let snapshot = first;
  const header = element('header', 'torchinspect-summary');
  const panels = element('div', 'torchinspect-panels');
  const ratio = element('p', 'torchinspect-note torchinspect-ratio');
  const sliceSlot = element('div', 'torchinspect-slice-slot');
  const status = element('p', 'torchinspect-note torchinspect-status');
  status.setAttribute('role', 'status');
  const actions = element('div', 'torchinspect-actions');
  const more = element('details', 'torchinspect-more');
  const moreSummary = element('summary', 'torchinspect-more-summary', 'statistics, histogram and metadata');
  const morePanels = element('div', 'torchinspect-panels');
  more.append(moreSummary, morePanels);
  root.append(header, sliceSlot, status, panels, ratio, more);
  const values = mountTensorPanel(panels, 'values', snapshot, 'values', morePanels);
  let grad: TensorPanel | null = null;
  const card = mountCard(more, snapshot);
  root.appendChild(actions);
  let slicer: View<{ shape: number[] } & SliceChoice> | null = null;
  let requestNumber = 0;

  const requestSlice = async (choice: SliceChoice): Promise<void> => {
    if (host.requestPreview === undefined) return;
    const mine = ++requestNumber;
    root.classList.add('torchinspect-loading');
    status.textContent = 'loading the slice…';
    try {
      const targets: PreviewTarget[] = snapshot.grad === null ? ['values'] : ['values', 'grad'];
      const previews = await Promise.all(targets.map(target => host.requestPreview!(target, choice.axes, choice.index)));
      if (mine !== requestNumber) return;
      values.showPreview(previews[0]);
      if (previews[1] !== undefined) grad?.showPreview(previews[1]);
      status.textContent = '';
      renderActions(previews[0]);
    } catch (error) {
      if (mine === requestNumber) status.textContent = (error as Error).message;
    } finally {
      if (mine === requestNumber) root.classList.remove('torchinspect-loading');
    }
  };

  const renderActions = (preview: TensorPreview | null): void => {
    const buttons = [copyButton('Copy summary', () => snapshot.summary)];
    if (preview !== null) {
      buttons.push(copyButton('Copy slice code', () => sliceExpression(snapshot.name ?? 't', preview)));
    }
    actions.replaceChildren(...buttons);
  };

  const render = (): void => {
    header.textContent = snapshot.summary;
    header.title = snapshot.summary;
    values.update(snapshot);
    if (snapshot.grad !== null && grad === null) grad = mountTensorPanel(panels, 'grad', snapshot.grad, 'grad', morePanels);
    else if (snapshot.grad !== null) grad?.update(snapshot.grad);
    else if (grad !== null) {
      grad.destroy();
      grad = null;
    }
    ratio.textContent = gradientRatio(snapshot);
    card.update(snapshot);
    renderSlicer();
    renderActions(snapshot.preview);
  };

  const renderSlicer = (): void => {
    slicer?.destroy();
    slicer = null;
    const preview = snapshot.preview;
    const shape = wholeDims(snapshot.shape);
    const allShown = snapshot.values !== undefined && snapshot.values !== null;
    // A DTensor's other slices need every rank of its mesh: its page shows the default slice alone.
    const sharded = snapshot.sharding !== undefined && snapshot.sharding !== null;
    if (host.requestPreview === undefined || preview === null || allShown || sharded || shape === null || shape.length < 3 || shape.includes(null)) return;
    const choice = { shape: shape as number[], axes: preview.axes as [number, number], index: preview.index };
    slicer = mountSlicer(sliceSlot, choice, next => void requestSlice(next));
  };

  render();
  return {
    update(next) {
      snapshot = next;
      requestNumber += 1;
      status.textContent = '';
      root.classList.remove('torchinspect-loading');
      render();
    },
    destroy() {
      requestNumber += 1;
      values.destroy();
      grad?.destroy();
      slicer?.destroy();
      card.destroy();
      root.replaceChildren();
    }
  };
}

function gradientRatio(snapshot: TensorSnapshot): string {
  if (snapshot.grad === null || snapshot.statistics === null || snapshot.grad.statistics === null) return '';
  const norm = normOf(snapshot.statistics);
  const gradNorm = normOf(snapshot.grad.statistics);
  if (norm === null || gradNorm === null || norm === 0) return '';
  return `‖grad‖ / ‖values‖ = ${(gradNorm / norm).toPrecision(3)}`;
}
