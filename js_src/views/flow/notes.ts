/**
 * The words around the gradient-flow graph: the kernel's flags as sentences, each with a
 * button that selects the node it names, and the gradient sections of the details panel.
 * Every string is set as text.
 */

import { edgeGradient, stepCount } from '../../core/gradients/record';
import { formatCount, type GraphBox, type GraphModel } from '../../core/graph/model';
import { formatNumber } from '../../core/numbers';
import type { GradientFlag, GradientsSnapshot } from '../../core/schema';
import { arrivingPart, describe, leavingPart } from './step_panel';
import { element } from '../dom';
import { gradientSummary } from './summary';

const FLAG_KINDS: Record<string, string> = { nonfinite_origin: 'NaN / Inf', vanishing: 'vanishing', exploding: 'exploding' };

export function flagList(model: GraphModel, flags: GradientFlag[], pick: (boxId: string) => void): HTMLElement {
  const list = element('ul', 'torchinspect-flow-flags');
  list.setAttribute('aria-label', 'what the recorded gradients show');
  for (const flag of flags) {
    const item = element('li', 'torchinspect-flow-flag');
    item.dataset.kind = flag.kind;
    item.append(element('span', 'torchinspect-flow-flag-kind', FLAG_KINDS[flag.kind] ?? flag.kind), element('span', 'torchinspect-flow-flag-text', flag.message));
    const node = model.index.nodes.get(flag.node);
    const box = model.boxOf.get(flag.node);
    if (node !== undefined && box !== undefined) {
      const show = element('button', 'torchinspect-graph-button torchinspect-flow-flag-show', `show ${describe(node)}`);
      show.type = 'button';
      show.addEventListener('click', () => pick(box));
      item.appendChild(show);
    }
    list.appendChild(item);
  }
  return list;
}

/** The boxes that draw the nodes a flag points at. */
export function flaggedBoxes(model: GraphModel, flags: GradientFlag[]): Set<string> {
  return new Set(flags.flatMap(flag => model.boxOf.get(flag.node) ?? []));
}

/** The details panel's gradient part for a box. */
export function gradientDetails(model: GraphModel, gradients: GradientsSnapshot, box: GraphBox, norm: number | null): HTMLElement[] {
  const heading = element('h4', 'torchinspect-graph-details-section', 'Gradient');
  const node = box.node;
  if (node === null) {
    const text = norm === null ? 'no gradient reached it' : `largest norm inside: ${formatNumber(norm)}`;
    return [heading, element('p', 'torchinspect-flow-note', text)];
  }
  if (node.kind === 'tensor') {
    const edge = model.snapshot.edges.find(candidate => candidate.target === node.id);
    const seed = edge === undefined ? null : edgeGradient(gradients, model.index, edge);
    return [heading, element('p', 'torchinspect-flow-note', 'where backward started:'), ...gradientSummary(seed)];
  }
  const recorded = gradients.nodes[node.id];
  if (recorded === undefined) return [heading, element('p', 'torchinspect-flow-none', 'no gradient reached this node')];
  const step = `step ${formatCount(recorded.step + 1)} of ${formatCount(stepCount(gradients))} of the backward pass`;
  return [heading, element('p', 'torchinspect-flow-note', step), arrivingPart(recorded), leavingPart(model, gradients, node)];
}
