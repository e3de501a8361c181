/** Graph snapshots built by hand, in the shape autograd_graph gives them, for the graph tests. */

import { GRAPH_SCHEMA, type GraphEdge, type GraphNode, type GraphSnapshot } from '../../js_src/core/schema';

export function node(id: string, kind: GraphNode['kind'], op: string | null, extra: Partial<GraphNode> = {}): GraphNode {
  const forward_op = kind === 'op' && op ? op.replace(/Backward\d*$/, '').toLowerCase() : null;
  return {
    id, kind, op, forward_op, name: null, tensor: null, base: null,
    saved_tensors: {}, saved_values: {}, metadata: {}, sequence_nr: kind === 'op' ? 0 : null, ...extra
  };
}

export function tensorOf(shape: number[]): NonNullable<GraphNode['tensor']> {
  return { shape, dtype: 'float32', requires_grad: true } as NonNullable<GraphNode['tensor']>;
}

export function edge(source: string, target: string, input = 0): GraphEdge {
  return { source, target, input, output_nr: 0 };
}

export function snapshot(nodes: GraphNode[], edges: GraphEdge[]): GraphSnapshot {
  return { schema: GRAPH_SCHEMA, roots: ['t0'], nodes, edges, held: false };
}

/** `y = 0.5 * dot(x, A @ x)` with autograd_graph's ids. */
export const lesson = snapshot(
  [
    node('t0', 'tensor', null, { tensor: tensorOf([]) }),
    node('n0', 'op', 'MulBackward0'),
    node('n1', 'op', 'DotBackward0'),
    node('n2', 'leaf', 'AccumulateGrad', { name: 'x', tensor: tensorOf([20]) }),
    node('n3', 'op', 'MvBackward0')
  ],
  [edge('n0', 't0'), edge('n1', 'n0'), edge('n2', 'n1'), edge('n3', 'n1', 1), edge('n2', 'n3', 1)]
);

/** `h = tanh(h * w + 1)` repeated `steps` times, summed: G5's shape, 3 × steps + 5 nodes. */
export function deepChain(steps: number): GraphSnapshot {
  const nodes = [node('t0', 'tensor', null, { tensor: tensorOf([]) }), node('n0', 'op', 'SumBackward0')];
  const leaves = [node('h0', 'leaf', 'AccumulateGrad', { name: 'h0', tensor: tensorOf([16]) }), node('w', 'leaf', 'AccumulateGrad', { name: 'w', tensor: tensorOf([16]) })];
  const edges = [edge('n0', 't0')];
  let h = 'h0';
  for (let step = 0; step < steps; step++) {
    const [mul, add, tanh] = ['MulBackward0', 'AddBackward0', 'TanhBackward0'].map(op => node(`${op}-${step}`, 'op', op));
    nodes.push(mul, add, tanh);
    edges.push(edge(h, mul.id), edge('w', mul.id, 1), edge(mul.id, add.id), edge(add.id, tanh.id));
    h = tanh.id;
  }
  edges.push(edge(h, 'n0'));
  return snapshot([...nodes, ...leaves], edges);
}
