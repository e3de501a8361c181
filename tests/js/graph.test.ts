import { describe, expect, it } from 'vitest';

import { edgeShapes } from '../../js_src/core/graph/edge_shapes';
import { expand, graphModel, nodeLabel, searchBoxes } from '../../js_src/core/graph/model';
import { layoutGraph } from '../../js_src/core/graph/layout';
import { parseGraphSnapshot, type GraphSnapshot } from '../../js_src/core/schema';
import { deepChain, edge, lesson, node, snapshot, tensorOf } from './graph_shapes';

/** `stack([sin(l).sum() for l in leaves]).sum()`: G6's shape, 3 × leaves + 3 nodes. */
function wideFan(leaves: number): GraphSnapshot {
  const nodes = [node('t0', 'tensor', null), node('n0', 'op', 'SumBackward0'), node('stack', 'op', 'StackBackward0')];
  const edges = [edge('n0', 't0'), edge('stack', 'n0')];
  for (let index = 0; index < leaves; index++) {
    nodes.push(node(`l${index}`, 'leaf', 'AccumulateGrad', { name: `l${index}`, tensor: tensorOf([4]) }));
    nodes.push(node(`sin${index}`, 'op', 'SinBackward0'), node(`sum${index}`, 'op', 'SumBackward0'));
    edges.push(edge(`l${index}`, `sin${index}`), edge(`sin${index}`, `sum${index}`), edge(`sum${index}`, 'stack', index));
  }
  return snapshot(nodes, edges);
}

/** `0.5 * ((X @ w - t) ** 2).mean()` as autograd_graph gives it for lesson 1.4: X [50, 3], w [3]. */
function leastSquares(): GraphSnapshot {
  const saved = (shape: number[]) => ({ kind: 'tensor' as const, shape, dtype: 'float32', nbytes: 4, is_view: false, node: null });
  return snapshot(
    [
      node('t0', 'tensor', null, { tensor: tensorOf([]) }),
      node('n0', 'op', 'MulBackward0', { saved_tensors: { other: saved([]), self: { kind: 'none' } } }),
      node('n1', 'op', 'MeanBackward0', { saved_values: { self_sym_numel: 50, self_sym_sizes: [50] } }),
      node('n2', 'op', 'PowBackward0', { saved_tensors: { self: saved([50]) }, saved_values: { exponent: 2 } }),
      node('n3', 'op', 'SubBackward0', { saved_values: { alpha: 1 } }),
      node('n4', 'op', 'MvBackward0', { saved_tensors: { self: saved([50, 3]), vec: { kind: 'none' } } }),
      node('n5', 'leaf', 'AccumulateGrad', { name: 'w', tensor: tensorOf([3]) })
    ],
    [edge('n0', 't0'), edge('n1', 'n0'), edge('n2', 'n1'), edge('n3', 'n2'), edge('n4', 'n3'), edge('n5', 'n4', 1)]
  );
}

describe('labels', () => {
  it('shows an op with its forward op, and leaves and roots by name or kind with their shape', () => {
    expect(nodeLabel(lesson.nodes[1])).toEqual({ title: 'MulBackward0', subtitle: 'mul' });
    expect(nodeLabel(lesson.nodes[3])).toEqual({ title: 'x', subtitle: '[20]' });
    expect(nodeLabel(lesson.nodes[0])).toEqual({ title: 'output', subtitle: '[]' });
    expect(nodeLabel(node('n9', 'leaf', 'AccumulateGrad', { tensor: tensorOf([2, 3]) }))).toEqual({ title: 'leaf', subtitle: '[2, 3]' });
  });

  it('labels an edge with a shape only where the snapshot or the op decides it', () => {
    const { index } = graphModel(lesson);
    const shapes = edgeShapes(lesson, index);
    const shapeOf = (source: string, target: string) => shapes.get(lesson.edges.find(e => e.source === source && e.target === target)!) ?? null;
    expect(shapeOf('n2', 'n1')).toEqual([20]);
    expect(shapeOf('n0', 't0')).toEqual([]);
    expect(shapeOf('n1', 'n0')).toEqual([]);
    // This hand-built mv saved nothing: its output's shape is not known.
    expect(shapeOf('n3', 'n1')).toBeNull();
  });

  it('gives every edge of the least-squares lesson a shape, the residual too', () => {
    const graph = leastSquares();
    const model = graphModel(graph);
    expect(model.links.map(link => `${link.source}→${link.target} ${link.label}`)).toEqual([
      'n0→t0 []', 'n1→n0 []', 'n2→n1 [50]', 'n3→n2 [50]', 'n4→n3 [50]', 'n5→n4 [3]'
    ]);
  });

  // How long it takes is bench's to say (bench/browser_graphs.py), never a test's.
  it('passes shapes along a chain of 30,000 nodes', () => {
    const model = graphModel(deepChain(10_000));
    expect(model.links.find(link => link.source === 'w')?.label).toBe('[16] ×10,000');
  });

  it('draws the lesson unfolded: one box per node, one link per edge', () => {
    const model = graphModel(lesson);
    expect(model.boxes).toHaveLength(5);
    expect(model.links.map(link => link.label)).toEqual(['[]', '[]', '[20]', '', '[20]']);
  });
});

describe('folding', () => {
  it('folds a long chain of a repeated pattern into one box with its count', () => {
    const model = graphModel(deepChain(2_000));
    expect(model.boxes.length).toBeLessThanOrEqual(10);
    const folded = model.boxes.filter(box => box.kind === 'folded');
    expect(folded.map(box => box.title)).toEqual(['× 2,000: tanh ← add ← mul']);
    const sharedWeight = model.links.find(link => link.source === 'w');
    expect(sharedWeight).toEqual({ source: 'w', target: folded[0].id, label: '[16] ×2,000' });
  });

  it('folds a wide fan of identical branches into one box with its count', () => {
    const model = graphModel(wideFan(5_000));
    expect(model.boxes.length).toBeLessThanOrEqual(10);
    expect(model.boxes.filter(box => box.kind === 'folded').map(box => box.title)).toEqual(['× 5,000: sum ← sin ← leaf']);
  });

  it('folds a chain of 30,000 nodes, far past any recursion limit', () => {
    const model = graphModel(deepChain(10_000));
    expect(model.boxes.length).toBeLessThanOrEqual(10);
  });

  it('leaves short repeats alone', () => {
    expect(graphModel(deepChain(3)).boxes.some(box => box.kind === 'folded')).toBe(false);
    expect(graphModel(wideFan(3)).boxes.some(box => box.kind === 'folded')).toBe(false);
  });

  it('opens a folded box a step: both ends unfolded, the middle still folded and counted', () => {
    const model = graphModel(deepChain(2_000));
    const opened = expand(model, model.groups[0].id);
    expect(opened.boxes.length).toBe(model.boxes.length + 12);
    expect(opened.boxes.filter(box => box.kind === 'folded').map(box => box.title)).toEqual(['× 1,996: tanh ← add ← mul']);
    expect(model.boxes.length).toBe(graphModel(deepChain(2_000)).boxes.length);
  });

  it('unfolds a group completely once too few repeats are left', () => {
    let model = graphModel(deepChain(6));
    model = expand(model, model.groups[0].id);
    expect(model.groups).toHaveLength(0);
    expect(model.boxes).toHaveLength(6 * 3 + 4);
  });

  it('lays out the folded default views of G5 and G6 with few boxes', () => {
    for (const graph of [deepChain(2_000), wideFan(5_000)]) {
      const layout = layoutGraph(graphModel(graph), 'down');
      expect(layout.boxes.length).toBeLessThanOrEqual(10);
      expect(layout.width).toBeGreaterThan(0);
    }
  });
});

describe('search', () => {
  it('finds boxes by name or op, and a folded leaf through its fan', () => {
    expect(searchBoxes(graphModel(lesson), 'backward')).toEqual(['n0', 'n1', 'n3']);
    expect(searchBoxes(graphModel(lesson), 'X')).toEqual(['n2']);
    const fan = graphModel(wideFan(10));
    expect(searchBoxes(fan, 'l7')).toEqual([fan.groups[0].id]);
  });
});

describe('parseGraphSnapshot refuses what it cannot read', () => {
  it('accepts a graph snapshot as it is', () => {
    expect(parseGraphSnapshot(lesson)).toBe(lesson);
  });

  it('says which schema it reads when another arrives', () => {
    expect(() => parseGraphSnapshot({ schema: 'torchinspect.tensor/1' })).toThrow(
      'this view reads "torchinspect.graph/1" snapshots, got "torchinspect.tensor/1".'
    );
  });

  it('says what arrived when it is not an object', () => {
    expect(() => parseGraphSnapshot(undefined)).toThrow('expected a graph snapshot, got nothing.');
  });
});
