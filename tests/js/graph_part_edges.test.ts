/**
 * A graph part the kernel answers within the bound (graph/wire.py: graph_part): where the units
 * asked for do not fit, it brings the first of them and leaves the rest in a run after them, which
 * the page asks for in turn (parts.ts: askedParts); where one unit's edges do not fit, it sends the
 * first of them and how many are left, and the page asks again from the first it lacks
 * (wholePart), for the same units, until it holds them all.
 */

import { describe, expect, it } from 'vitest';

import { graphModel, withPart } from '../../js_src/core/graph/model';
import { askedParts, askingText, linksLeft, linksLeftText, wholePart } from '../../js_src/core/graph/parts';
import type { GraphPartRequest } from '../../js_src/core/protocol';
import type { GraphPart } from '../../js_src/core/schema';
import { edge, node, snapshot, tensorOf } from './graph_shapes';

/** A stack taking `inputs` tensors: one unit, its node and an edge from each input. */
const STACK_EDGES = (inputs: number) => Array.from({ length: inputs }, (_, at) => edge(`n${2 + at}`, 'n1', at));

/** The kernel's answers for the stack's unit, at most `most` edges each, as graph_part cuts them. */
function kernel(inputs: number, most: number) {
  const asked: GraphPartRequest[] = [];
  const all = STACK_EDGES(inputs);
  const ask = async (request: GraphPartRequest): Promise<GraphPart> => {
    await Promise.resolve(); // an answer comes later, as the kernel's does
    asked.push(request);
    const from = request.edges ?? 0;
    const edges = all.slice(from, from + most);
    const left = inputs - from - edges.length;
    const leaving = edges.map(sent => ({ node: sent.source, input: 0, gradient: { norm: sent.input } }));
    return {
      repeat: 'n9', units: [['n1']], nodes: [node('n1', 'op', 'StackBackward0')], edges,
      elided: [{ units: [6, 9], nodes: 3, held_nbytes: 0, names: [], names_complete: true, links: [] }],
      gradients: { nodes: { n1: {} }, parameters: [], leaving },
      ...(left > 0 ? { edges_left: left } : {})
    };
  };
  return { ask, asked, all };
}

describe('a part whose unit has more edges than one answer holds', () => {
  it('is asked for again from the first edge the page lacks, for the units the kernel brought, until none is left', async () => {
    const { ask, asked, all } = kernel(10, 4);
    const part = await wholePart(ask, { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 9] });
    expect(asked).toEqual([
      { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 9] },
      { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 6], edges: 4 },
      { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 6], edges: 8 }
    ]);
    expect(part.edges).toEqual(all);
    expect(part.edges_left).toBeUndefined();
    // what each answer said the page's nodes passed back along its edges, all of it
    expect(part.gradients?.leaving.map(back => back.node)).toEqual(all.map(sent => sent.source));
    expect(part.units).toEqual([['n1']]);
    expect(part.elided).toEqual([{ units: [6, 9], nodes: 3, held_nbytes: 0, names: [], names_complete: true, links: [] }]);
  });

  it('is asked for once where its edges fit', async () => {
    const { ask, asked, all } = kernel(3, 4);
    const part = await wholePart(ask, { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 9] });
    expect(asked).toHaveLength(1);
    expect(part.edges).toEqual(all);
  });

  it('stops asking where an answer brings no edge, though it says some are left', async () => {
    const { ask, asked } = kernel(10, 4);
    const stuck = async (request: GraphPartRequest): Promise<GraphPart> => {
      const part = await ask(request);
      return request.edges === undefined ? part : { ...part, edges: [], edges_left: 6 };
    };
    const part = await wholePart(stuck, { repeat: 'n9', count: 10, stretch: [5, 9], units: [5, 9] });
    expect(asked).toHaveLength(2);
    expect(part.edges).toHaveLength(4);
  });
});

describe('units asked for that one answer does not hold', () => {
  /** A repeat of 20 one-node units whose run 1 to 19 was elided; the kernel brings 3 units an answer. */
  const ask = async (request: GraphPartRequest): Promise<GraphPart> => {
    await Promise.resolve();
    const [start, end] = request.units;
    const brought = Math.min(end, start + 3);
    const units = Array.from({ length: brought - start }, (_, at) => [`n${start + at}`]);
    const around: [number, number][] = [[request.stretch[0], start], [brought, request.stretch[1]]];
    const elided = around
      .filter(([low, high]) => high > low)
      .map(run => ({ units: run, nodes: run[1] - run[0], held_nbytes: 0, names: [], names_complete: true, links: [] }));
    return { repeat: 'n0', units, nodes: units.flat().map(id => node(id, 'op', 'SinBackward0')), edges: [], elided };
  };

  it('are asked for run after run, each request for the run the page holds then, until every unit came', async () => {
    const answers = await askedParts(ask, { repeat: 'n0', count: 20, stretch: [1, 19], units: [4, 12] });
    expect(answers.map(answer => answer.asked)).toEqual([
      { repeat: 'n0', count: 20, stretch: [1, 19], units: [4, 12] },
      { repeat: 'n0', count: 20, stretch: [7, 19], units: [7, 12] },
      { repeat: 'n0', count: 20, stretch: [10, 19], units: [10, 12] }
    ]);
    expect(answers.flatMap(answer => answer.part.units)).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map(at => [`n${at}`]));
    expect(answers[answers.length - 1].part.elided.map(run => run.units)).toEqual([[12, 19]]);
  });

  it('say while they come how many came and that the rest is being asked for', async () => {
    const asked: GraphPartRequest = { repeat: 'n0', count: 20, stretch: [1, 19], units: [4, 12] };
    const said: string[] = [];
    await askedParts(ask, asked, (request, came) => said.push(askingText(asked, request, came)));
    expect(said).toEqual([
      'asking the kernel for units 5 to 12 of 20…',
      '3 of the 8 units asked for came; asking the kernel for the rest, units 8 to 12 of 20…',
      '6 of the 8 units asked for came; asking the kernel for the rest, units 11 to 12 of 20…'
    ]);
  });
});

describe('links the kernel left out of a folded run', () => {
  /** `stack([sin(w) for w in weights])` over six weights, units 1 to 4 elided, their run listing 1 of its 3 links. */
  const unit = (index: number) => ({
    nodes: [node(`n${2 + index}`, 'op', 'SinBackward0'), node(`n${10 + index}`, 'leaf', 'AccumulateGrad', { name: `w${index}`, tensor: tensorOf([4]) })],
    edges: [edge(`n${10 + index}`, `n${2 + index}`), edge(`n${2 + index}`, 'n1', index)]
  });
  const [first, last] = [unit(0), unit(5)];
  const sent = snapshot([node('t0', 'tensor', null, { tensor: tensorOf([6, 4]) }), node('n1', 'op', 'StackBackward0'), ...first.nodes, ...last.nodes], [edge('n1', 't0'), ...first.edges, ...last.edges]);
  const links = [{ source: null, target: 'n1', edges: 4 }];
  const run = { units: [1, 5] as [number, number], nodes: 8, held_nbytes: 0, names: ['SinBackward0'], names_complete: true, links, links_left: 2 };
  const repeat = { container: null, units: [['n2', 'n10'], ['n7', 'n15']], pattern: ['sin'], label: null, unlike: [], count: 6, elided: [run] };
  const model = graphModel({ ...sent, folding: { modules: 'none', repeats: [repeat] } });

  it('are counted while the run is folded, and none once its units came', () => {
    expect(linksLeft(model.groups)).toBe(2);
    expect(linksLeftText(model.groups)).toBe('2 more links to or from folded boxes are not drawn until you open them');
    const units = [1, 2, 3, 4].map(unit);
    const part: GraphPart = { repeat: 'n2', units: [1, 2, 3, 4].map(at => [`n${2 + at}`, `n${10 + at}`]), nodes: units.flatMap(made => made.nodes), edges: units.flatMap(made => made.edges), elided: [] };
    const opened = withPart(model, part, { repeat: 'n2', count: 6, stretch: [1, 5], units: [1, 5] });
    expect(linksLeft(opened.groups)).toBe(0);
    expect(linksLeftText(opened.groups)).toBe('');
  });
});
