/**
 * What one step of the backward pass did, in three parts: the gradient arriving at the node,
 * the local rule it applied, and the gradient leaving for each input, named after the learner's
 * variable where the graph knows it, torch's name second (`x (vec)`). At a leaf, the
 * gradient is the one accumulated into its `.grad`. Every string is set as text.
 */

import { stepCount } from '../../core/gradients/record';
import { backwardRule, inputLabel, inputName, variableNames, type BackwardRule } from '../../core/gradients/rules';
import { inputEdges } from '../../core/graph/counted_inputs';
import { formatCount, nodeLabel, type GraphModel } from '../../core/graph/model';
import type { GradientsSnapshot, GraphNode, NodeGradients } from '../../core/schema';
import { element } from '../dom';
import { gradientSummary } from './summary';

/** Inputs shown one by one before the rest are counted: a stack of 5,000 stays readable. */
const MAX_LISTED_INPUTS = 16;

/** The panel's parts for step `at`; nothing for the whole pass. */
export function stepPanel(model: GraphModel, gradients: GradientsSnapshot, at: number): HTMLElement[] {
  const id = gradients.order[at];
  const node = id === undefined ? undefined : model.index.nodes.get(id);
  const recorded = id === undefined ? undefined : gradients.nodes[id];
  if (node === undefined || recorded === undefined) return [];
  const heading = element('h3', 'torchinspect-step-title', `step ${formatCount(recorded.step + 1)} of ${formatCount(stepCount(gradients))}: ${describe(node)}`);
  return [heading, arrivingPart(recorded), rulePart(model, node), leavingPart(model, gradients, node)];
}

/** The gradient of each of the node's outputs, as it arrived. */
export function arrivingPart(recorded: NodeGradients): HTMLElement {
  const section = part('gradient arriving', 'is-arriving');
  recorded.arriving.forEach((grad, output) => {
    const label = recorded.arriving.length > 1 ? `g, output ${output}` : 'g = ∂L/∂out';
    section.append(element('h5', 'torchinspect-step-label', label), ...gradientSummary(grad));
  });
  return section;
}

/** `MvBackward0 (mv)`, `AccumulateGrad: x`. */
export function describe(node: GraphNode): string {
  const { title, subtitle } = nodeLabel(node);
  if (node.kind === 'leaf') return `AccumulateGrad: ${title}`;
  return subtitle ? `${title} (${subtitle})` : title;
}

function rulePart(model: GraphModel, node: GraphNode): HTMLElement {
  const rule = backwardRule(node);
  const section = part('local rule', 'is-rule');
  section.append(
    element('code', 'torchinspect-step-forward', rule.forward),
    ...rule.rule.map(line => element('code', 'torchinspect-step-rule-line', line))
  );
  if (rule.known) section.appendChild(element('p', 'torchinspect-flow-note', 'g: the gradient arriving, ∂L/∂out'));
  const names = yourNames(model, node, rule);
  if (names) section.appendChild(element('p', 'torchinspect-flow-note', `in your names: ${names}`));
  return section;
}

/** `vec is x, self is u`: torch's names of the inputs that are the learner's variables. */
function yourNames(model: GraphModel, node: GraphNode, rule: BackwardRule): string {
  if (node.kind !== 'op') return '';
  const variable = variableNames(model.snapshot);
  return model.snapshot.edges
    .filter(edge => edge.target === node.id)
    .sort((a, b) => a.input - b.input)
    .slice(0, MAX_LISTED_INPUTS)
    .flatMap(edge => {
      const name = variable(edge);
      const torchName = inputName(rule, node, edge.input);
      return name === null || name === torchName ? [] : [`${torchName} is ${name}`];
    })
    .join(', ');
}

/** What the node sent to each input, named; at a leaf, what it added to `.grad`. */
export function leavingPart(model: GraphModel, gradients: GradientsSnapshot, node: GraphNode): HTMLElement {
  const recorded = gradients.nodes[node.id];
  if (node.kind === 'leaf') {
    const name = node.name ?? 'the leaf';
    const section = part(`accumulated into ${name}.grad`, 'is-leaving');
    const passes = gradients.passes > 1 ? ` backward ran ${formatCount(gradients.passes)} times: ${name}.grad holds the sum.` : '';
    section.append(...gradientSummary(recorded.arriving[0] ?? null));
    if (passes) section.appendChild(element('p', 'torchinspect-flow-note', passes.trim()));
    return section;
  }
  const section = part('gradient leaving', 'is-leaving');
  const rule = backwardRule(node);
  const edgesOf = inputEdges(model.snapshot.edges.filter(edge => edge.target === node.id));
  const variable = variableNames(model.snapshot);
  recorded.leaving.slice(0, MAX_LISTED_INPUTS).forEach((grad, input) => {
    const edges = edgesOf(input, grad !== null);
    const edge = edges.length === 1 ? edges[0] : undefined;
    // Where two counted edges could hold the input, both are named: the kernel sent no more to tell them apart.
    const sources = edges.flatMap(({ source }) => model.index.nodes.get(source) ?? []);
    const name = inputLabel(inputName(rule, node, input), edge === undefined ? null : variable(edge));
    if (sources.length === 0 && grad === null) {
      section.appendChild(element('h5', 'torchinspect-step-label is-none', `${name}: needs no gradient`));
      return;
    }
    const to = sources.length === 0 ? 'no node' : sources.map(describe).join(' or ');
    section.append(element('h5', 'torchinspect-step-label', `${name} → ${to}`), ...gradientSummary(grad));
  });
  const more = recorded.leaving.length - MAX_LISTED_INPUTS;
  if (more > 0) section.appendChild(element('p', 'torchinspect-flow-note', `and ${formatCount(more)} more inputs`));
  if (recorded.leaving.length === 0) section.appendChild(element('p', 'torchinspect-flow-none', 'no inputs'));
  return section;
}

function part(title: string, className: string): HTMLElement {
  const section = element('section', `torchinspect-step-part ${className}`);
  section.appendChild(element('h4', 'torchinspect-flow-heading', title));
  return section;
}
