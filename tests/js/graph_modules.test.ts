import { describe, expect, it } from 'vitest';

import { collapse, collapseAll, expand, expandAll, graphModel, searchBoxes, type GraphModel } from '../../js_src/core/graph/model';
import { closedGroupOf, defaultOpen, moduleBoxId, moduleTree } from '../../js_src/core/graph/modules';
import type { GraphLayout, PlacedBox, Point } from '../../js_src/core/graph/geometry';
import { layoutGraph } from '../../js_src/core/graph/layout';
import { stackedPath } from '../../js_src/core/graph/path_layout';
import { GRAPH_SCHEMA, type GraphEdge, type GraphNode, type GraphSnapshot } from '../../js_src/core/schema';
import recorded from '../fixtures/modules.json';

/**
 * A model recorded with record_modules by Python (tests/python/module_cases.py): embed →
 * blocks.0 → blocks.1 → head, each block `x + fc2(relu(fc1(x)))`, then a cross-entropy loss.
 */
const model = recorded as unknown as GraphSnapshot;

function node(id: string, kind: GraphNode['kind'], op: string | null, module?: string, extra: Partial<GraphNode> = {}): GraphNode {
  return {
    id, kind, op, forward_op: op?.replace(/Backward\d*$/, '').toLowerCase() ?? null, name: null, tensor: null, base: null,
    saved_tensors: {}, saved_values: {}, metadata: module === undefined ? {} : { module, module_class: 'Cell' },
    sequence_nr: kind === 'op' ? Number(id.replace(/\D/g, '')) : null, ...extra
  };
}

function edge(source: string, target: string): GraphEdge {
  return { source, target, input: 0, output_nr: 0 };
}

function snapshot(nodes: GraphNode[], edges: GraphEdge[]): GraphSnapshot {
  return { schema: GRAPH_SCHEMA, roots: ['t0'], nodes, edges, held: false };
}

/** `h = tanh(h * w + 1)` run `steps` times, the steps in `moduleOf(step)`, then summed outside. */
function recurrent(steps: number, moduleOf: (step: number) => string): GraphSnapshot {
  const nodes = [node('t0', 'tensor', null), node('n0', 'op', 'SumBackward0')];
  const edges = [edge('n0', 't0')];
  let h = 'h0';
  nodes.push(node('h0', 'leaf', 'AccumulateGrad', undefined, { name: 'h0' }));
  for (let step = 0; step < steps; step++) {
    const ids = [1, 2, 3].map(part => `n${3 * step + part}`);
    ['MulBackward0', 'AddBackward0', 'TanhBackward0'].forEach((op, at) => nodes.push(node(ids[at], 'op', op, moduleOf(step))));
    edges.push(edge(h, ids[0]), edge(ids[0], ids[1]), edge(ids[1], ids[2]));
    h = ids[2];
  }
  edges.push(edge(h, 'n0'));
  return snapshot(nodes, edges);
}

const boxIds = (model: GraphModel) => model.boxes.map(box => box.id);
const modulesIn = (model: GraphModel) => model.boxes.filter(box => box.kind === 'module').map(box => box.title);

describe('the module tree', () => {
  const tree = moduleTree(model);

  it('groups every node by the module that made it, with the groups above it', () => {
    expect(tree.top).toEqual(['head', 'blocks', 'embed']);
    expect(tree.groups.get('blocks')).toMatchObject({ className: null, parent: null, children: ['blocks.1', 'blocks.0'], size: 20 });
    expect(tree.groups.get('blocks.0')).toMatchObject({ className: 'Residual', parent: 'blocks', size: 10 });
    expect(tree.groups.get('blocks.0')!.nodes.map(id => model.nodes.find(n => n.id === id)!.op)).toEqual(['AddBackward0', 'ReluBackward0']);
    expect(tree.groups.get('blocks.0.fc1')).toMatchObject({ className: 'Linear', size: 4 });
  });

  it('puts parameters in the module that owns them, and the loss at the top', () => {
    const leafModules = model.nodes.filter(n => n.kind === 'leaf').map(n => [n.name, tree.groupOf.get(n.id)]);
    expect(leafModules).toContainEqual(['blocks.1.fc2.weight', 'blocks.1.fc2']);
    expect(leafModules.every(([name, path]) => name!.startsWith(`${path}.`))).toBe(true);
    expect(model.nodes.filter(n => !tree.groupOf.has(n.id)).map(n => n.op)).toEqual([null, 'NllLossBackward0', 'LogSoftmaxBackward0']);
  });

  it('places an unstamped parameter by its name, also one named from the notebook', () => {
    const graph = snapshot(
      [
        node('t0', 'tensor', null), node('n1', 'op', 'MulBackward0', 'layers.0'),
        node('n2', 'leaf', 'AccumulateGrad', undefined, { name: 'model.layers.0.weight' }),
        node('n3', 'leaf', 'AccumulateGrad', undefined, { name: 'x' }),
        node('n4', 'leaf', 'AccumulateGrad', undefined, { name: 'other.bias' })
      ],
      [edge('n1', 't0'), edge('n2', 'n1'), edge('n3', 'n1'), edge('n4', 'n1')]
    );
    const { groupOf } = moduleTree(graph);
    expect([...groupOf]).toEqual([['n1', 'layers.0'], ['n2', 'layers.0']]);
  });

  it('is empty for a graph recorded without modules: names alone make no groups', () => {
    expect(moduleTree(recurrent(3, () => '')).groups.size).toBe(0);
    const named = snapshot([node('t0', 'tensor', null), node('n1', 'leaf', 'AccumulateGrad', undefined, { name: '0.weight' })], [edge('n1', 't0')]);
    expect(moduleTree(named).groups.size).toBe(0);
  });

  it('finds the closed group that draws a node: the outermost one not open', () => {
    const fc1 = model.nodes.find(n => n.metadata.module === 'blocks.0.fc1')!.id;
    expect(closedGroupOf(tree, new Set(), fc1)).toBe('blocks');
    expect(closedGroupOf(tree, new Set(['blocks']), fc1)).toBe('blocks.0');
    expect(closedGroupOf(tree, new Set(['blocks', 'blocks.0', 'blocks.0.fc1']), fc1)).toBeNull();
  });

  it('opens level by level while the boxes stay within the budget, a whole level at once', () => {
    // 3 nodes and 3 modules at the top; opening them shows 13 boxes, the blocks then 19, the rest 31.
    const boxes = (open: ReadonlySet<string>) =>
      [...open].reduce((sum, path) => sum + tree.groups.get(path)!.nodes.length + tree.groups.get(path)!.children.length - 1, 6);
    expect([...defaultOpen(tree, boxes, 12)]).toEqual([]);
    expect([...defaultOpen(tree, boxes, 13)]).toEqual(['head', 'blocks', 'embed']);
    expect([...defaultOpen(tree, boxes, 30)]).toEqual(['head', 'blocks', 'embed', 'blocks.1', 'blocks.0']);
    expect(defaultOpen(tree, boxes, 31).size).toBe(tree.groups.size);
  });
});

describe('the grouped model', () => {
  it('shows the modules closed at first when opening them would pass the budget', () => {
    // 90 ops, no two alike: nothing folds, so the open module would show 90 boxes.
    const nodes = [node('t0', 'tensor', null), node('n0', 'op', 'SumBackward0')];
    const edges = [edge('n0', 't0')];
    for (let step = 1; step <= 90; step++) {
      nodes.push(node(`n${step}`, 'op', `Op${step}Backward0`, 'net'));
      edges.push(edge(`n${step}`, `n${step - 1}`));
    }
    const grouped = graphModel(snapshot(nodes, edges));
    expect(modulesIn(grouped)).toEqual(['net']);
    expect(grouped.boxes).toHaveLength(3); // output, sum and the module
    expect(grouped.boxes.find(box => box.kind === 'module')!.subtitle).toBe('Cell · 90 nodes');
  });

  it('opens a small model to every node: it fits the budget', () => {
    const opened = graphModel(model);
    expect(opened.boxes).toHaveLength(model.nodes.length);
    expect(opened.boxes.filter(box => box.container === 'blocks.0.fc1').map(box => box.title)).toEqual([
      'AddmmBackward0', 'blocks.0.fc1.bias', 'TBackward0', 'blocks.0.fc1.weight'
    ]);
  });

  it('closes and opens modules: a closed module is one box, its links join at it', () => {
    const closed = collapseAll(graphModel(model));
    expect(modulesIn(closed)).toEqual(['head', 'blocks', 'embed']);
    expect(closed.boxes).toHaveLength(3 + 3);
    expect(closed.links.find(link => link.source === moduleBoxId('embed'))).toEqual({ source: moduleBoxId('embed'), target: moduleBoxId('blocks'), label: '[5, 8] ×2' });
    const blocks = expand(closed, moduleBoxId('blocks'));
    expect(modulesIn(blocks)).toEqual(['head', 'blocks.1', 'blocks.0', 'embed']);
    expect(blocks.boxes.find(box => box.id === moduleBoxId('blocks.1'))!.container).toBe('blocks');
    expect(boxIds(collapse(blocks, 'blocks'))).toEqual(boxIds(closed));
  });

  it('opens every module and fold with expand all: one box per node, one link per linked pair', () => {
    const all = expandAll(collapseAll(graphModel(model)));
    expect(all.boxes).toHaveLength(model.nodes.length);
    const pairs = new Set(model.edges.map(e => `${e.source}>${e.target}`));
    expect(all.links).toHaveLength(pairs.size);
  });

  it('finds a module by its path, and a node inside a closed module through its box', () => {
    const closed = collapseAll(graphModel(model));
    expect(searchBoxes(closed, 'blocks.1')).toEqual([moduleBoxId('blocks')]);
    expect(searchBoxes(closed, 'ReluBackward')).toEqual([moduleBoxId('blocks')]);
    const open = expand(closed, moduleBoxId('blocks'));
    expect(searchBoxes(open, 'blocks.1')).toEqual([moduleBoxId('blocks.1')]);
  });

  it('folds a repeated chain inside a module, shown while the module is open', () => {
    const grouped = graphModel(recurrent(200, () => 'rnn'));
    // Open at first: folded, the module's 600 nodes fit the budget.
    const folded = grouped.boxes.filter(box => box.kind === 'folded');
    expect(folded.map(box => [box.title, box.container])).toEqual([['× 200: tanh ← add ← mul', 'rnn']]);
    expect(grouped.boxes.length).toBeLessThanOrEqual(6);
    const closed = collapse(grouped, 'rnn');
    expect(closed.boxes.some(box => box.kind === 'folded')).toBe(false);
    expect(modulesIn(closed)).toEqual(['rnn']);
  });

  it('never folds a chain across two modules', () => {
    const split = graphModel(recurrent(40, step => (step < 20 ? 'first' : 'second')));
    const inModules = expand(expand(split, moduleBoxId('first')), moduleBoxId('second'));
    const folds = inModules.boxes.filter(box => box.kind === 'folded');
    expect(folds.map(box => [box.title, box.container])).toEqual([['× 20: tanh ← add ← mul', 'first'], ['× 20: tanh ← add ← mul', 'second']]);
  });
});

describe('the layout of open modules', () => {
  const contains = (outer: { x: number; y: number; width: number; height: number }, inner: PlacedBox) =>
    inner.x - inner.width / 2 >= outer.x - outer.width / 2 - 0.5 && inner.x + inner.width / 2 <= outer.x + outer.width / 2 + 0.5 &&
    inner.y - inner.height / 2 >= outer.y - outer.height / 2 - 0.5 && inner.y + inner.height / 2 <= outer.y + outer.height / 2 + 0.5;
  const onEdge = (point: Point, box: PlacedBox) =>
    Math.abs(point.x - box.x) <= box.width / 2 + 1 && Math.abs(point.y - box.y) <= box.height / 2 + 1;

  function laidOut(): { layout: GraphLayout; boxes: Map<string, PlacedBox> } {
    const layout = layoutGraph(expandAll(graphModel(model)), 'down');
    return { layout, boxes: new Map(layout.boxes.map(box => [box.box.id, box])) };
  }

  it('draws every open module as a frame around its boxes and the frames inside it', () => {
    const { layout } = laidOut();
    expect(layout.frames.map(frame => frame.module.path).sort()).toEqual([...moduleTree(model).groups.keys()].sort());
    for (const placed of layout.boxes) {
      for (const frame of layout.frames) {
        const inside = placed.box.container !== null && (placed.box.container === frame.module.path || placed.box.container.startsWith(`${frame.module.path}.`));
        expect(contains(frame, placed)).toBe(inside);
      }
    }
  });

  it('routes each link from its source box to its target box, down the page', () => {
    const { layout, boxes } = laidOut();
    for (const { link, points } of layout.links) {
      const [source, target] = [boxes.get(link.source)!, boxes.get(link.target)!];
      expect(onEdge(points[0], source)).toBe(true);
      expect(onEdge(points[points.length - 1], target)).toBe(true);
      expect(source.y).toBeLessThan(target.y);
    }
  });

  it('lays alike modules out alike', () => {
    const { layout } = laidOut();
    const inside = (block: string) => {
      const frame = layout.frames.find(candidate => candidate.module.path === block)!;
      return layout.boxes
        .filter(placed => placed.box.container?.startsWith(block))
        .map(placed => `${placed.box.title.replace(block, '')} @ ${placed.x - frame.x}, ${placed.y - frame.y}`)
        .sort();
    };
    expect(inside('blocks.1')).toEqual(inside('blocks.0'));
    expect(inside('blocks.0')).toHaveLength(10);
  });

  it('puts the roots on top when flipped', () => {
    const layout = layoutGraph(expandAll(graphModel(model)), 'up');
    const y = new Map(layout.boxes.map(box => [box.box.id, box.y]));
    expect(y.get('t0')!).toBeLessThan(y.get(model.nodes.find(n => n.name === 'embed.weight')!.id)!);
  });

  it('stacks a path of items without the layout library, and refuses anything else', () => {
    const items = ['a', 'b', 'c'].map(id => ({ id, width: 80, height: 40 }));
    const path = stackedPath(items, [{ source: 'b', target: 'c' }, { source: 'a', target: 'b' }], 'down', 10)!;
    expect(path.centres.map(point => point.y)).toEqual([30, 116, 202]);
    expect(path.routes[1]).toEqual([{ x: 50, y: 50 }, { x: 50, y: 73 }, { x: 50, y: 96 }]);
    expect(stackedPath(items, [{ source: 'a', target: 'b' }, { source: 'a', target: 'c' }], 'down', 10)).toBeNull();
    expect(stackedPath(items, [{ source: 'a', target: 'b' }], 'down', 10)).toBeNull();
  });
});

describe('a graph nothing else folds', () => {
  it('opens as stretches of its ops in forward order, within the budget, and expands to every node', () => {
    // 200 ops, no two alike and no module, each taking the op before it and a leaf of its own.
    const nodes = [node('t0', 'tensor', null)];
    const edges = [edge('n200', 't0')];
    for (let step = 1; step <= 200; step++) {
      nodes.push(node(`n${step}`, 'op', `Op${step}Backward0`), node(`l${step}`, 'leaf', 'AccumulateGrad', undefined, { name: `w${step}` }));
      edges.push(edge(`l${step}`, `n${step}`));
      if (step > 1) edges.push(edge(`n${step - 1}`, `n${step}`));
    }
    const opened = graphModel(snapshot(nodes, edges));
    expect(opened.boxes.length).toBeLessThanOrEqual(60);
    const spans = opened.boxes.filter(box => box.group?.kind === 'span');
    expect(spans.length).toBeGreaterThan(1);
    expect(spans[0].title).toMatch(/^\d+ ops: /);
    expect(searchBoxes(opened, 'Op150Backward0')).toHaveLength(1);
    const one = expand(opened, spans[0].id);
    expect(one.boxes.length).toBe(opened.boxes.length - 1 + spans[0].group!.units[0].length);
    expect(expandAll(opened).boxes).toHaveLength(nodes.length);
  });
});
