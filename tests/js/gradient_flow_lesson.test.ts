/**
 * The gradient-flow model on the lesson as torch recorded it: G1 after `y.backward()`, from
 * tests/fixtures/gradients.json (written by tests/fixtures/make_snapshots.py).
 */

import { describe, expect, it } from 'vitest';

import { backwardRule } from '../../js_src/core/gradients/rules';
import { stepPicture } from '../../js_src/core/gradients/steps';
import { gradientFlow } from '../../js_src/core/gradients/flow';
import { edgeGradient, parseGradients } from '../../js_src/core/gradients/record';
import { graphModel } from '../../js_src/core/graph/model';
import { parseGraphSnapshot } from '../../js_src/core/schema';
import recorded from '../fixtures/gradients.json';

const graph = parseGraphSnapshot(recorded.graph);
const gradients = parseGradients(recorded.gradients)!;
const model = graphModel(graph);
const x = graph.nodes.find(node => node.name === 'x')!;

describe('the lesson as torch recorded it', () => {
  it('reads the record as it came, numbers unchanged', () => {
    expect(gradients.order).toEqual(recorded.gradients.order);
    expect(gradients.nodes[x.id].arriving[0]!.values).toEqual(recorded.gradients.nodes[x.id as 'n2'].arriving[0].values);
  });

  it("finds on x's two edges the two gradients torch added into x.grad", () => {
    const into = graph.edges.filter(edge => edge.source === x.id).map(edge => edgeGradient(gradients, model.index, edge)!.values!);
    expect(into).toHaveLength(2);
    const sum = into[0].map((value, at) => value + into[1][at]);
    const accumulated = gradients.nodes[x.id].arriving[0]!.values!;
    sum.forEach((value, at) => expect(value).toBeCloseTo(accumulated[at], 4));
  });

  it("sizes x's box by the gradient it accumulated, the norm the parameter list gives it", () => {
    const flow = gradientFlow(model, gradients);
    expect(flow.boxNorms.get(x.id)).toBeCloseTo(gradients.parameters[0].norm!, 10);
    expect(gradients.parameters[0].node).toBe(x.id);
  });

  it('ends the pass at x, with every edge passed', () => {
    const last = stepPicture(model, gradients, gradients.order.length - 1);
    expect(last.boxes.get(x.id)).toBe('current');
    expect(last.passed.size).toBe(graph.edges.length);
  });

  it('has a written rule for every node backward ran', () => {
    const unknown = gradients.order.map(id => model.index.nodes.get(id)!).filter(node => !backwardRule(node).known);
    expect(unknown).toEqual([]);
  });
});
