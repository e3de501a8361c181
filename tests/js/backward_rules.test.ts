import { describe, expect, it } from 'vitest';

import { backwardRule, inputLabel, inputName, ruleKey, variableNames } from '../../js_src/core/gradients/rules';
import { node, snapshot } from './graph_shapes';

const op = (name: string, saved: Partial<Parameters<typeof node>[3]> = {}) => node('n1', 'op', name, saved);

describe('the local rule of each backward op', () => {
  it('keys rules by the class without Backward and its number', () => {
    expect(['MvBackward0', 'SumBackward1', 'AccumulateGrad', 'MyFnBackward'].map(ruleKey)).toEqual(['Mv', 'Sum', 'AccumulateGrad', 'MyFn']);
  });

  it('has a written rule for every op the lessons and the benchmark models use', () => {
    const ops = [
      'AccumulateGrad', 'MulBackward0', 'DivBackward0', 'AddBackward0', 'SubBackward0', 'NegBackward0', 'DotBackward0',
      'MvBackward0', 'MmBackward0', 'BmmBackward0', 'MatmulBackward0', 'AddmmBackward0', 'SumBackward0', 'SumBackward1',
      'MeanBackward0', 'MeanBackward1', 'PowBackward0', 'PowBackward1', 'ExpBackward0', 'LogBackward0', 'TanhBackward0',
      'SigmoidBackward0', 'ReluBackward0', 'ThresholdBackward0', 'TBackward0', 'TransposeBackward0', 'PermuteBackward0',
      'ViewBackward0', 'ReshapeAliasBackward0', 'UnsafeViewBackward0', 'ExpandBackward0', 'SelectBackward0',
      'SliceBackward0', 'IndexBackward0', 'CatBackward0', 'StackBackward0', 'LogSoftmaxBackward0', 'NllLossBackward0'
    ];
    const missing = ops.filter(name => !backwardRule(op(name)).known);
    expect(missing).toEqual([]);
  });

  it("names Mv's inputs and says how each gradient is made from g", () => {
    const rule = backwardRule(op('MvBackward0'));
    expect(rule.inputs).toEqual(['self', 'vec']);
    expect(rule.rule).toEqual(['grad self = g vecᵀ   (the outer product)', 'grad vec = selfᵀ @ g']);
  });

  it('makes a rule concrete with what the node saved', () => {
    expect(backwardRule(op('PowBackward0', { saved_values: { exponent: 2 } })).rule).toEqual(['grad self = g * 2 * self ** (2 − 1)']);
    expect(backwardRule(op('SumBackward1', { saved_values: { dim: [1], keepdim: false, self_sym_sizes: [3, 4] } })).rule).toEqual([
      "grad self = g, repeated along dim 1 back to self's shape [3, 4]"
    ]);
    expect(backwardRule(op('TransposeBackward0', { saved_values: { dim0: 0, dim1: 2 } })).forward).toBe('out = self.transpose(0, 2)');
  });

  it("says a leaf's gradient is added into its .grad, by its name", () => {
    const rule = backwardRule(node('n2', 'leaf', 'AccumulateGrad', { name: 'x' }));
    expect(rule.rule[0]).toBe('x.grad += g   (x.grad = g when it was None)');
    expect(rule.inputs).toEqual([]);
  });

  it('names the inputs of cat and stack by position, and unknown ones by number', () => {
    const cat = op('CatBackward0', { saved_values: { dim: 0 } });
    expect(inputName(backwardRule(cat), cat, 2)).toBe('tensors[2]');
    const mul = op('MulBackward0');
    expect(inputName(backwardRule(mul), mul, 5)).toBe('input 5');
  });

  it("names an input after the learner's leaf or root, torch's name second", () => {
    const graph = snapshot(
      [
        node('t0', 'tensor', null, { name: 's' }), node('t1', 'tensor', null, { name: 'u' }),
        node('n0', 'op', 'DotBackward0'), node('n1', 'op', 'MvBackward0'),
        node('n2', 'leaf', 'AccumulateGrad', { name: 'x' }), node('n3', 'leaf', 'AccumulateGrad', { name: null })
      ],
      [
        { source: 'n0', target: 't0', input: 0, output_nr: 0 }, { source: 'n1', target: 't1', input: 0, output_nr: 0 },
        { source: 'n2', target: 'n0', input: 0, output_nr: 0 }, { source: 'n1', target: 'n0', input: 1, output_nr: 0 },
        { source: 'n3', target: 'n1', input: 0, output_nr: 0 }
      ]
    );
    const variable = variableNames(graph);
    expect(graph.edges.slice(2).map(variable)).toEqual(['x', 'u', null]);
    expect(inputLabel('self', 'x')).toBe('x (self)');
    expect(inputLabel('vec', null)).toBe('vec');
    expect(inputLabel('x', 'x')).toBe('x');
  });

  it('says what it knows of an op without a written rule', () => {
    const rule = backwardRule(op('CumsumBackward0', {
      forward_op: 'cumsum', saved_values: { dim: 0 },
      saved_tensors: { self: { kind: 'tensor', shape: [5], dtype: 'float32', nbytes: 20, is_view: false, node: null } }
    }));
    expect(rule.known).toBe(false);
    expect(rule.forward).toBe('out = cumsum(…)');
    expect(rule.rule).toEqual([
      'torchinspect has no written rule for CumsumBackward0: autograd applied the derivative of cumsum to g.',
      'It saved for backward: self [5], dim = 0.'
    ]);
  });
});
