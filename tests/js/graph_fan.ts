/** G6's shape as the kernel sends it, for the big graph tests (graph_big_views, graph_culling). */

import type { GraphSnapshot } from '../../js_src/core/schema';

/** A snapshot of G6's shape, as the kernel sends it (no folding field: the view folds the fan). */
export function fanSnapshot(leaves: number): GraphSnapshot {
  const node = (id: string, kind: string, op: string | null, forward: string | null) => ({
    id, kind, op, forward_op: forward, name: kind === 'leaf' ? `l${id}` : null,
    tensor: kind === 'op' ? null : { shape: [4], dtype: 'float32', device: 'cpu', nbytes: 16, requires_grad: true, is_parameter: false, grad: null },
    base: null, saved_tensors: {}, saved_values: {}, metadata: {}, sequence_nr: kind === 'op' ? Number(id.slice(1)) : null
  });
  const nodes = [node('t0', 'tensor', null, null), node('n0', 'op', 'SumBackward0', 'sum'), node('n1', 'op', 'StackBackward0', 'stack')];
  const edges = [{ source: 'n0', target: 't0', input: 0, output_nr: 0 }, { source: 'n1', target: 'n0', input: 0, output_nr: 0 }];
  for (let at = 0; at < leaves; at++) {
    const [sum, sin, leaf] = [`n${2 + at}`, `n${2 + leaves + at}`, `n${2 + 2 * leaves + at}`];
    nodes.push(node(sum, 'op', 'SumBackward0', 'sum'), node(sin, 'op', 'SinBackward0', 'sin'), node(leaf, 'leaf', 'AccumulateGrad', null));
    edges.push(
      { source: sum, target: 'n1', input: at, output_nr: 0 },
      { source: sin, target: sum, input: 0, output_nr: 0 },
      { source: leaf, target: sin, input: 0, output_nr: 0 }
    );
  }
  return { schema: 'torchinspect.graph/1', roots: ['t0'], nodes, edges, held: false } as unknown as GraphSnapshot;
}
