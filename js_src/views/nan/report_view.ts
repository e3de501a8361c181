/**
 * The view of a `find_nan` report: the sentence (the program's names as code), the user's line,
 * inspectors of the op's inputs and output, and the backward graph with the origin ringed.
 * Every string from the kernel is set as text.
 */

import { operandCaption, parseNanReport, type NanFrame, type NanReport } from '../../core/nan/report';
import type { GraphSnapshot } from '../../core/schema';
import { element } from '../dom';
import { mountGraph } from '../graph/graph';
import { mountInspector } from '../tensor/inspector';
import type { View } from '../view';
import { originRing } from './origin_ring';

export function mountNanReport(el: HTMLElement, data: unknown): View<unknown> {
  const root = element('section', 'torchinspect torchinspect-nan');
  root.setAttribute('aria-label', 'where the NaN began');
  el.appendChild(root);
  let parts: View<unknown>[] = [];

  const clear = (): void => {
    for (const part of parts) part.destroy();
    parts = [];
    root.replaceChildren();
  };

  const show = (next: unknown): void => {
    clear();
    let report: NanReport;
    try {
      report = parseNanReport(next);
    } catch (error) {
      root.appendChild(element('p', 'torchinspect-error', (error as Error).message));
      return;
    }
    root.classList.toggle('is-found', report.found);
    root.appendChild(sentence(report));
    if (report.frame) root.appendChild(sourceLine(report.frame));
    if (!report.found) return;
    parts.push(...tensors(root, report));
    if (report.graph) parts.push(graph(root, report.graph, report.origin_node ?? null));
  };
  show(data);

  return {
    update: show,
    destroy() {
      clear();
      root.remove();
    }
  };
}

function sentence(report: NanReport): HTMLElement {
  const paragraph = element('p', 'torchinspect-nan-sentence');
  for (const [text, isCode] of report.sentence_parts) {
    paragraph.appendChild(isCode ? element('code', '', text) : document.createTextNode(text));
  }
  return paragraph;
}

/** The user's line: where it is as the sentence says it (`train.py:41`, a cell's `In[3]:8`), the full path on hover. */
function sourceLine(frame: NanFrame): HTMLElement {
  const block = element('pre', 'torchinspect-nan-source');
  const where = element('span', 'torchinspect-nan-file', `${frame.where} in ${frame.function}`);
  where.title = `${frame.file}:${frame.line}`;
  block.append(where, document.createTextNode(`\n    ${frame.source}`));
  return block;
}

/** An inspector for each of the op's tensors, inputs then output, each captioned with the offending element. */
function tensors(root: HTMLElement, report: NanReport): View<unknown>[] {
  const row = element('div', 'torchinspect-nan-tensors');
  root.appendChild(row);
  const views: View<unknown>[] = [];
  const add = (caption: string, snapshot: unknown): void => {
    const figure = element('figure', 'torchinspect-nan-tensor');
    figure.appendChild(element('figcaption', 'torchinspect-nan-caption', caption));
    row.appendChild(figure);
    views.push(mountInspector(figure, snapshot, {}));
  };
  for (const input of report.inputs ?? []) {
    const caption = operandCaption('input', input.name, input.label, report.index, input.value);
    if (input.snapshot === null) row.appendChild(element('p', 'torchinspect-nan-caption', caption));
    else add(caption, input.snapshot);
  }
  if (report.output) add(operandCaption('output', report.backward_op ?? report.op ?? '', null, report.index, report.output.value), report.output.snapshot);
  return views;
}

function graph(root: HTMLElement, snapshot: GraphSnapshot, origin: string | null): View<unknown> {
  const section = element('section', 'torchinspect torchinspect-graph-section');
  section.setAttribute('aria-label', 'backward graph');
  root.appendChild(section);
  const view = mountGraph(section, { graph: snapshot }, { layer: originRing(origin) });
  return { update() {}, destroy: () => view.destroy() };
}
