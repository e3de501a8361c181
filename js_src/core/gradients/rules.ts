/**
 * The local rule of each backward op, in words a learner checks by hand: what the forward op
 * computed, and how the node turns `g`, the gradient arriving (∂L/∂out), into the gradient
 * for each of its inputs. Pure data, no DOM.
 *
 * Rules are keyed by the node's class without `Backward` and its number (`MvBackward0` →
 * `Mv`), and read what the node saved (`dim`, `exponent`, `alpha`) where that makes the rule
 * concrete. A node without a written rule gets one that says what is known about it.
 */

import { formatShape } from '../format';
import type { GraphEdge, GraphNode, GraphSnapshot, PlainScalar, SavedValue } from '../schema';

export interface BackwardRule {
  /** The forward computation, in the names of the inputs. */
  forward: string;
  /** How each input's gradient is made from g, one line each, then any remark. */
  rule: string[];
  /** The inputs' names, in the order of the node's inputs (next_functions). */
  inputs: string[];
  /** False for the fallback that only says what is known. */
  known: boolean;
}

type Saved = (name: string) => string;

interface RuleTemplate {
  forward: (saved: Saved, node: GraphNode) => string;
  rule: (saved: Saved, node: GraphNode) => string[];
  inputs: string[] | ((node: GraphNode) => string[]);
}

const BROADCAST = '(elementwise; where an input was broadcast, its gradient is summed back to its shape)';

const fixed = (text: string) => () => text;
const lines = (...texts: string[]) => () => texts;

const RULES: Record<string, RuleTemplate> = {
  AccumulateGrad: {
    forward: (_, node) => `${leafName(node)} is a leaf: made by you, not computed`,
    rule: (_, node) => [
      `${leafName(node)}.grad += g   (${leafName(node)}.grad = g when it was None)`,
      'a leaf ends the pass: no gradient flows further'
    ],
    inputs: []
  },
  Mul: { forward: fixed('out = self * other'), rule: lines('grad self = g * other', 'grad other = g * self', BROADCAST), inputs: ['self', 'other'] },
  Div: { forward: fixed('out = self / other'), rule: lines('grad self = g / other', 'grad other = −g * self / other²', BROADCAST), inputs: ['self', 'other'] },
  Add: {
    forward: saved => `out = self + ${saved('alpha')} * other`,
    rule: saved => ['grad self = g', `grad other = ${saved('alpha')} * g`, BROADCAST],
    inputs: ['self', 'other']
  },
  Sub: {
    forward: saved => `out = self − ${saved('alpha')} * other`,
    rule: saved => ['grad self = g', `grad other = −${saved('alpha')} * g`, BROADCAST],
    inputs: ['self', 'other']
  },
  Neg: { forward: fixed('out = −self'), rule: lines('grad self = −g'), inputs: ['self'] },
  Dot: { forward: fixed('out = self · tensor   (a number)'), rule: lines('grad self = g * tensor', 'grad tensor = g * self'), inputs: ['self', 'tensor'] },
  Mv: { forward: fixed('out = self @ vec   (matrix times vector)'), rule: lines('grad self = g vecᵀ   (the outer product)', 'grad vec = selfᵀ @ g'), inputs: ['self', 'vec'] },
  Mm: { forward: fixed('out = self @ mat2'), rule: lines('grad self = g @ mat2ᵀ', 'grad mat2 = selfᵀ @ g'), inputs: ['self', 'mat2'] },
  Bmm: { forward: fixed('out[b] = self[b] @ mat2[b]   (for each batch b)'), rule: lines('grad self[b] = g[b] @ mat2[b]ᵀ', 'grad mat2[b] = self[b]ᵀ @ g[b]'), inputs: ['self', 'mat2'] },
  Matmul: {
    forward: fixed('out = self @ other'),
    rule: lines('grad self = g @ otherᵀ', 'grad other = selfᵀ @ g', '(over the last two dimensions; broadcast batch dimensions are summed back)'),
    inputs: ['self', 'other']
  },
  Addmm: {
    forward: saved => `out = ${saved('beta')} * self + ${saved('alpha')} * (mat1 @ mat2)   (nn.Linear: bias + input @ weightᵀ)`,
    rule: saved => [
      `grad self = ${saved('beta')} * g, summed back to self's shape`,
      `grad mat1 = ${saved('alpha')} * g @ mat2ᵀ`,
      `grad mat2 = ${saved('alpha')} * mat1ᵀ @ g`
    ],
    inputs: ['self', 'mat1', 'mat2']
  },
  Sum: {
    forward: (saved, node) => (has(node, 'dim') ? `out = self.sum(dim=${saved('dim')})` : 'out = self.sum()'),
    rule: (saved, node) => [
      has(node, 'dim')
        ? `grad self = g, repeated along dim ${saved('dim')} back to self's shape ${saved('self_sym_sizes')}`
        : `grad self = g in every element of self's shape ${saved('self_sym_sizes')}`
    ],
    inputs: ['self']
  },
  Mean: {
    forward: (saved, node) => (has(node, 'dim') ? `out = self.mean(dim=${saved('dim')})` : 'out = self.mean()'),
    rule: (saved, node) => [
      has(node, 'dim')
        ? `grad self = g / n, repeated along dim ${saved('dim')} back to ${saved('self_sym_sizes')} (n: the elements averaged)`
        : `grad self = g / ${saved('self_sym_numel')} in every element of ${saved('self_sym_sizes')}`
    ],
    inputs: ['self']
  },
  Pow: {
    forward: (saved, node) => (has(node, 'exponent') ? `out = self ** ${saved('exponent')}` : 'out = self ** exponent'),
    rule: (saved, node) => {
      if (has(node, 'exponent')) return [`grad self = g * ${saved('exponent')} * self ** (${saved('exponent')} − 1)`];
      const exponentRule = 'grad exponent = g * out * log(self)';
      return baseIsNumber(node) ? [exponentRule, '(self is a number: it gets no gradient)'] : ['grad self = g * exponent * self ** (exponent − 1)', exponentRule];
    },
    // `2 ** t` (PowBackward2) has one input, the exponent.
    inputs: node => (baseIsNumber(node) ? ['exponent'] : ['self', 'exponent'])
  },
  Exp: { forward: fixed('out = exp(self)'), rule: lines('grad self = g * out   (exp is its own derivative)'), inputs: ['self'] },
  Log: { forward: fixed('out = log(self)'), rule: lines('grad self = g / self'), inputs: ['self'] },
  Sqrt: { forward: fixed('out = √self'), rule: lines('grad self = g / (2 * out)'), inputs: ['self'] },
  Sin: { forward: fixed('out = sin(self)'), rule: lines('grad self = g * cos(self)'), inputs: ['self'] },
  Cos: { forward: fixed('out = cos(self)'), rule: lines('grad self = −g * sin(self)'), inputs: ['self'] },
  Abs: { forward: fixed('out = |self|'), rule: lines('grad self = g * sign(self)'), inputs: ['self'] },
  Tanh: { forward: fixed('out = tanh(self)'), rule: lines('grad self = g * (1 − out²)'), inputs: ['self'] },
  Sigmoid: { forward: fixed('out = σ(self) = 1 / (1 + exp(−self))'), rule: lines('grad self = g * out * (1 − out)'), inputs: ['self'] },
  Relu: { forward: fixed('out = max(self, 0)'), rule: lines('grad self = g where out > 0, else 0'), inputs: ['self'] },
  Threshold: {
    forward: saved => `out = self where self > ${saved('threshold')}, else a fixed value`,
    rule: saved => [`grad self = g where self > ${saved('threshold')}, else 0`],
    inputs: ['self']
  },
  T: { forward: fixed('out = selfᵀ'), rule: lines('grad self = gᵀ'), inputs: ['self'] },
  Transpose: {
    forward: saved => `out = self.transpose(${saved('dim0')}, ${saved('dim1')})`,
    rule: saved => [`grad self = g.transpose(${saved('dim0')}, ${saved('dim1')})`],
    inputs: ['self']
  },
  Permute: {
    forward: saved => `out = self.permute(${saved('dims')})`,
    rule: saved => [`grad self = g with the dimensions put back: the inverse permutation of ${saved('dims')}`],
    inputs: ['self']
  },
  View: { forward: fixed('out = self.view(…)   (the same numbers, another shape)'), rule: saved => [`grad self = g reshaped back to ${saved('self_sym_sizes')}`], inputs: ['self'] },
  Expand: {
    forward: fixed('out = self.expand(…)   (one value repeated)'),
    rule: saved => [`grad self = g summed over the repeated dimensions, back to ${saved('self_sym_sizes')}`],
    inputs: ['self']
  },
  Unsqueeze: { forward: saved => `out = self.unsqueeze(${saved('dim')})`, rule: saved => [`grad self = g.squeeze(${saved('dim')})`], inputs: ['self'] },
  Squeeze: { forward: fixed('out = self.squeeze(…)'), rule: saved => [`grad self = g reshaped back to ${saved('self_sym_sizes')}`], inputs: ['self'] },
  Clone: { forward: fixed('out = self.clone()'), rule: lines('grad self = g'), inputs: ['self'] },
  Select: {
    forward: saved => `out = self.select(${saved('dim')}, ${saved('index')})`,
    rule: saved => [`grad self = zeros of ${saved('self_sym_sizes')}, with g written at index ${saved('index')} of dim ${saved('dim')}`],
    inputs: ['self']
  },
  Slice: {
    forward: saved => `out = self[${saved('start')}:${saved('end')}:${saved('step')}] along dim ${saved('dim')}`,
    rule: saved => [`grad self = zeros of ${saved('self_sym_sizes')}, with g written into that slice`],
    inputs: ['self']
  },
  Index: {
    forward: fixed('out = self[indices]'),
    rule: saved => [`grad self = zeros of ${saved('self_sym_sizes')}, with g added at the indices (an index taken twice gets both)`],
    inputs: ['self']
  },
  Cat: {
    forward: saved => `out = torch.cat(tensors, dim=${saved('dim')})`,
    rule: saved => [`grad tensors[i] = the part of g along dim ${saved('dim')} that tensors[i] filled`],
    inputs: []
  },
  Stack: {
    forward: saved => `out = torch.stack(tensors, dim=${saved('dim')})`,
    rule: saved => [`grad tensors[i] = g.select(${saved('dim')}, i)`],
    inputs: []
  },
  LogSoftmax: {
    forward: saved => `out = log_softmax(self, dim=${saved('dim')})`,
    rule: saved => [`grad self = g − exp(out) * g.sum(dim=${saved('dim')}, keepdim=True)   (exp(out) is the softmax)`],
    inputs: ['self']
  },
  Softmax: {
    forward: saved => `out = softmax(self, dim=${saved('dim')})`,
    rule: saved => [`grad self = out * (g − (g * out).sum(dim=${saved('dim')}, keepdim=True))`],
    inputs: ['self']
  },
  NllLoss: {
    forward: saved => `out = −${reduction(saved('reduction'))} of self[i, target[i]]   (self: log-probabilities)`,
    rule: saved => [
      `grad self = zeros, with −g${saved('reduction') === '1' ? ' / N' : ''} at each [i, target[i]]` +
        (saved('reduction') === '1' ? '   (N: the batch size, or the sum of the weights)' : '')
    ],
    inputs: ['self']
  },
  MseLoss: {
    forward: saved => `out = ${reduction(saved('reduction'))} of (self − target)²`,
    rule: saved => [`grad self = g * 2 * (self − target)${saved('reduction') === '1' ? ' / n' : ''}`, 'grad target = −grad self'],
    inputs: ['self', 'target']
  }
};

/** Classes whose rule is another's: reshapes are all one rule, and so are the thresholds. */
const SAME_AS: Record<string, string> = {
  Reshape: 'View', ReshapeAlias: 'View', UnsafeView: 'View', Flatten: 'View', UnsafeIndex: 'Index'
};

/** `MvBackward0` → `Mv`; `AccumulateGrad` stays itself; a custom Function's `MyFnBackward` → `MyFn`. */
export function ruleKey(op: string): string {
  return op.replace(/Backward\d*$/, '');
}

/** The node's rule; the fallback for an op without a written one, and for a root tensor. */
export function backwardRule(node: GraphNode): BackwardRule {
  const key = node.op === null ? '' : ruleKey(node.op);
  const template = RULES[key] ?? RULES[SAME_AS[key] ?? ''];
  if (template === undefined) return fallbackRule(node);
  const saved: Saved = name => savedText(node.saved_values[name], name);
  const inputs = typeof template.inputs === 'function' ? template.inputs(node) : template.inputs;
  return { forward: template.forward(saved, node), rule: template.rule(saved, node), inputs, known: true };
}

/** What an input is called in its node's rule: `self`, `vec`, `tensors[2]`, or `input 3`. */
export function inputName(rule: BackwardRule, node: GraphNode, input: number): string {
  const key = node.op === null ? '' : ruleKey(node.op);
  if (key === 'Cat' || key === 'Stack') return `tensors[${input}]`;
  return rule.inputs[input] ?? `input ${input}`;
}

/**
 * What an input is called for the learner: the variable it is, where the graph knows it (a named
 * leaf, or a named root tensor that the same output made), with torch's name second, as in
 * `x (vec)`; torch's name alone otherwise.
 */
export function inputLabel(torchName: string, variable: string | null): string {
  return variable === null || variable === torchName ? torchName : `${variable} (${torchName})`;
}

const namers = new WeakMap<GraphSnapshot, (edge: GraphEdge) => string | null>();

/** The learner's name of the tensor each edge carries, by edge, where the graph knows it. */
export function variableNames(graph: GraphSnapshot): (edge: GraphEdge) => string | null {
  let namer = namers.get(graph);
  if (namer === undefined) {
    namer = namerOf(graph);
    namers.set(graph, namer);
  }
  return namer;
}

function namerOf(graph: GraphSnapshot): (edge: GraphEdge) => string | null {
  const nodes = new Map(graph.nodes.map(node => [node.id, node]));
  const roots = new Map<string, string>();
  for (const edge of graph.edges) {
    const target = nodes.get(edge.target);
    if (target?.kind === 'tensor' && target.name !== null) roots.set(`${edge.source}:${edge.output_nr}`, target.name);
  }
  return edge => {
    const source = nodes.get(edge.source);
    if (source?.kind === 'leaf') return source.name;
    return roots.get(`${edge.source}:${edge.output_nr}`) ?? null;
  };
}

function fallbackRule(node: GraphNode): BackwardRule {
  if (node.kind === 'tensor') {
    return {
      forward: `${node.name ?? 'this tensor'} is where backward() started`,
      rule: ['g = 1 for a single number (backward() seeds it), or the gradient you passed to backward()'],
      inputs: [],
      known: true
    };
  }
  const op = node.op ?? 'this node';
  const forward = node.forward_op ?? op;
  const savedTensors = Object.entries(node.saved_tensors).map(([name, saved]) =>
    saved.kind === 'tensor' && saved.shape !== null ? `${name} ${formatShape(saved.shape)}` : name
  );
  const savedValues = Object.entries(node.saved_values).map(([name, value]) => `${name} = ${savedText(value, name)}`);
  const saved = [...savedTensors, ...savedValues];
  return {
    forward: `out = ${forward}(…)`,
    rule: [
      `torchinspect has no written rule for ${op}: autograd applied the derivative of ${forward} to g.`,
      saved.length === 0 ? 'It saved nothing for backward.' : `It saved for backward: ${saved.join(', ')}.`
    ],
    inputs: [],
    known: false
  };
}

function has(node: GraphNode, name: string): boolean {
  return name in node.saved_values;
}

function baseIsNumber(node: GraphNode): boolean {
  return !has(node, 'exponent') && !('self' in node.saved_tensors);
}

/** A saved value as the rule reads it: sizes as a shape `[3, 4]`, one dim as `1`, dims as `[2, 0, 1]`. */
function savedText(value: SavedValue | undefined, name = ''): string {
  if (value === undefined) return '?';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return plainText(value, name);
  return 'freed' in value ? '(freed)' : `${plainText(value.items, name).replace(/]$/, ', …]')}`;
}

function plainText(value: PlainScalar | PlainScalar[], name: string): string {
  if (!Array.isArray(value)) return String(value);
  if (value.length === 1 && !name.endsWith('sizes')) return String(value[0]);
  return `[${value.join(', ')}]`;
}

function reduction(code: string): string {
  if (code === '0') return 'each';
  return code === '2' ? 'the sum' : 'the mean';
}

function leafName(node: GraphNode): string {
  return node.name ?? 'the leaf';
}
