import { describe, expect, it } from 'vitest';

import { SPECIAL_COLORS, sequentialScale, type Rgba } from '../../js_src/core/colormap';
import { PALETTE_BANDS, ZERO_COLOR, gradientFlow, largestNorm, legendTicks, linkKey, normScale, parameterBars } from '../../js_src/core/gradients/flow';
import { arrivingNorm, edgeGradient, magnitude, parseGradients, readNumber } from '../../js_src/core/gradients/record';
import { graphModel } from '../../js_src/core/graph/model';
import { GRADIENTS_SCHEMA, type GradientsSnapshot, type GradientSummary } from '../../js_src/core/schema';
import { deepChain, lesson } from './graph_shapes';

/** A gradient summary whose norm tags it; the numbers test the bookkeeping, not torch. */
function grad(norm: number): GradientSummary {
  return { shape: [2], dtype: 'float32', numel: 2, of: 'values', norm, min: 0, max: 0, rms: 0, nan: 0, posinf: 0, neginf: 0, values: null };
}

function record(nodes: GradientsSnapshot['nodes'], order = Object.keys(nodes)): GradientsSnapshot {
  return { schema: GRADIENTS_SCHEMA, passes: 1, complete: true, order, nodes, parameters: [], flags: [] };
}

/** WCAG contrast ratio of two colours. */
function contrast(a: Rgba, b: Rgba): number {
  const luminance = ([r, g, b]: Rgba) =>
    [r, g, b].map(v => v / 255).map(v => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** The lesson's pass with distinct norms on every gradient, so each lookup says where it read. */
const lessonPass = record(
  {
    n0: { step: 0, arriving: [grad(1)], leaving: [grad(2), null] },
    n1: { step: 1, arriving: [grad(2)], leaving: [grad(3), grad(4)] },
    n3: { step: 2, arriving: [grad(4)], leaving: [null, grad(5)] },
    n2: { step: 3, arriving: [grad(6)], leaving: [] }
  },
  ['n0', 'n1', 'n3', 'n2']
);

describe('reading the record', () => {
  it('reads numbers however the wire spelled them', () => {
    expect(['nan', 'NaN', 'inf', '+Infinity', '-inf', '2.5', 3].map(readNumber)).toEqual([NaN, NaN, Infinity, Infinity, -Infinity, 2.5, 3]);
    expect([null, undefined, '', 'many'].map(readNumber)).toEqual([null, null, null, null]);
  });

  it('turns spelled non-finite numbers into numbers throughout, and keeps a norm of no finite value null', () => {
    const parsed = parseGradients({
      schema: GRADIENTS_SCHEMA, passes: 1, order: ['n0'], parameters: [{ node: 'n1', name: 'w', norm: 'inf' }], flags: [],
      nodes: { n0: { step: 0, arriving: [{ shape: [2], dtype: 'float32', numel: 2, norm: null, min: null, max: null, rms: null, nan: 1, posinf: 0, neginf: 0, values: ['nan', 1] }], leaving: [null] } }
    })!;
    const arriving = parsed.nodes.n0.arriving[0]!;
    expect(arriving.norm).toBeNull();
    expect(magnitude(arriving)).toBeNaN();
    expect(arriving.values).toEqual([NaN, 1]);
    expect(parsed.parameters[0].norm).toBe(Infinity);
  });

  it('reads an empty object as no backward yet, and refuses another schema in words', () => {
    expect(parseGradients({})).toBeNull();
    expect(parseGradients(undefined)).toBeNull();
    expect(() => parseGradients({ schema: 'torchinspect.gradients/0' })).toThrow('reads "torchinspect.gradients/1" gradients, got "torchinspect.gradients/0"');
  });
});

describe('which gradient an edge carries', () => {
  const model = graphModel(lesson);
  const edge = (source: string, target: string) => lesson.edges.find(e => e.source === source && e.target === target)!;

  it("carries the target's gradient for that input, and the root op's own on the edge to the root tensor", () => {
    expect(edgeGradient(lessonPass, model.index, edge('n2', 'n1'))?.norm).toBe(3);
    expect(edgeGradient(lessonPass, model.index, edge('n3', 'n1'))?.norm).toBe(4);
    expect(edgeGradient(lessonPass, model.index, edge('n2', 'n3'))?.norm).toBe(5);
    expect(edgeGradient(lessonPass, model.index, edge('n0', 't0'))?.norm).toBe(1);
  });

  it('takes the norm of all outputs together as what arrived at a node', () => {
    const twoOutputs = record({ n5: { step: 0, arriving: [grad(3), null, grad(4)], leaving: [] } });
    expect(arrivingNorm(twoOutputs, 'n5')).toBe(5);
    expect(arrivingNorm(twoOutputs, 'nowhere')).toBeNull();
  });

  it('sizes a gradient holding NaN or Inf by them, not by the norm of its finite values', () => {
    expect(magnitude({ ...grad(3), nan: 2, posinf: 1 })).toBeNaN();
    expect(magnitude({ ...grad(3), neginf: 1 })).toBe(Infinity);
    expect(magnitude({ ...grad(3), norm: null })).toBeNull();
    expect(magnitude(null)).toBeNull();
  });

  it('colours each box by what arrived and each link by what it carried, the root by its seed', () => {
    const flow = gradientFlow(model, lessonPass);
    expect(Object.fromEntries(flow.boxNorms)).toEqual({ t0: 1, n0: 1, n1: 2, n2: 6, n3: 4 });
    expect(flow.linkNorms.get(linkKey('n2', 'n3'))).toBe(5);
    expect(flow.scale.colorOf(6)).not.toEqual(flow.scale.colorOf(1));
  });
});

describe('folded boxes show the largest gradient inside', () => {
  const steps = 50;
  const graph = deepChain(steps);
  const model = graphModel(graph);
  const folded = model.groups[0];
  const nodes: GradientsSnapshot['nodes'] = {};
  graph.nodes.filter(node => node.kind === 'op').forEach((node, at) => (nodes[node.id] = { step: at, arriving: [grad(at + 1)], leaving: [grad(at + 1), grad(0.5)] }));

  it('takes the largest norm of the nodes a folded chain stands for', () => {
    const inside = folded.units.flat().map(id => nodes[id].arriving[0]!.norm!);
    expect(gradientFlow(model, record(nodes)).boxNorms.get(folded.id)).toBe(Math.max(...inside));
  });

  it('lets a NaN inside a fold show, over any finite norm', () => {
    // The norm is of the finite values, as the kernel measures it; the count says a NaN is there.
    const poisoned = { ...nodes, [folded.units[3][1]]: { step: 3, arriving: [{ ...grad(0.1), nan: 1 }], leaving: [] } };
    expect(gradientFlow(model, record(poisoned)).boxNorms.get(folded.id)).toBeNaN();
  });

  it('takes the largest of the edges a link stands for', () => {
    const flow = gradientFlow(model, record(nodes));
    const shared = model.links.find(link => link.source === 'w')!;
    expect(flow.linkNorms.get(linkKey(shared.source, shared.target))).toBe(0.5);
  });
});

describe('the log-scale colours', () => {
  it('ranks NaN over +Inf over any finite norm, skipping boxes no gradient reached', () => {
    expect(largestNorm([1, null, 1e9])).toBe(1e9);
    expect(largestNorm([1e9, Infinity, 3])).toBe(Infinity);
    expect(largestNorm([Infinity, NaN, 1e30])).toBeNaN();
    expect(largestNorm([null, null])).toBeNull();
  });

  it('spreads norms by their logarithm over the band of viridis that suits the page', () => {
    const viridis = sequentialScale(0, 1);
    for (const tone of ['light', 'dark'] as const) {
      const scale = normScale([1e-6, 1e-3, 1], tone);
      const [from, to] = PALETTE_BANDS[tone];
      expect([scale.lo, scale.hi]).toEqual([-6, 0]);
      expect(scale.colorOf(1e-6)).toEqual(viridis.colorOf(from));
      expect(scale.colorOf(1e-3)).toEqual(viridis.colorOf((from + to) / 2));
      expect(scale.colorOf(1)).toEqual(viridis.colorOf(to));
      expect([scale.stops[0].color, scale.stops[scale.stops.length - 1].color]).toEqual([viridis.colorOf(from), viridis.colorOf(to)]);
      expect(scale.widthOf(1)).toBeGreaterThan(scale.widthOf(1e-3));
      expect(scale.widthOf(1e-3)).toBeGreaterThan(scale.widthOf(1e-6));
    }
  });

  it('keeps every colour of the band at 3:1 or more against its page, as lines need', () => {
    const pages = { light: [255, 255, 255, 255], dark: [13, 17, 23, 255] } as const;
    for (const tone of ['light', 'dark'] as const) {
      const scale = normScale([1e-6, 1], tone);
      for (const norm of [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]) {
        expect(contrast(scale.colorOf(norm)!, pages[tone]), `${tone} ${norm}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('paints zero, NaN and ±Inf off the scale, and says which occur', () => {
    const scale = normScale([0, NaN, Infinity, 0.5, 2, null]);
    expect(scale.colorOf(0)).toEqual(ZERO_COLOR);
    expect(scale.colorOf(NaN)).toEqual(SPECIAL_COLORS.nan);
    expect(scale.colorOf(Infinity)).toEqual(SPECIAL_COLORS.posinf);
    expect(scale.colorOf(null)).toBeNull();
    expect(scale.present).toEqual({ zero: true, nan: true, posinf: true, neginf: false });
    expect([scale.lo, scale.hi]).toEqual([Math.log10(0.5), Math.log10(2)]);
  });

  it('has no ramp when no norm is positive and finite', () => {
    const scale = normScale([0, NaN]);
    expect([scale.lo, scale.hi, scale.ticks]).toEqual([null, null, []]);
    expect(scale.colorOf(0)).toEqual(ZERO_COLOR);
  });

  it('labels the legend at powers of ten, thinned to a few, or at its ends within a decade', () => {
    expect(legendTicks(-2.2, 1.5).map(tick => tick.label)).toEqual(['0.01', '0.1', '1', '10']);
    expect(legendTicks(-22, 0).map(tick => tick.label)).toEqual(['1e-18', '1e-12', '1e-06', '1']);
    expect(legendTicks(Math.log10(2), Math.log10(5)).map(tick => tick.label)).toEqual(['2', '5']);
    expect(legendTicks(0, 0)).toEqual([{ offset: 0.5, label: '1' }]);
    const ticks = legendTicks(-2, 2);
    expect([ticks[0].offset, ticks[ticks.length - 1].offset]).toEqual([0, 1]);
  });
});

describe('the parameter bars', () => {
  it('sorts largest first with NaN and Inf on top and none at the bottom, lengths on a log scale', () => {
    const bars = parameterBars([
      { node: 'a', name: 'a', norm: 1e-4 },
      { node: 'f', name: 'f', norm: null },
      { node: 'b', name: 'b', norm: 10 },
      { node: 'c', name: 'c', norm: NaN },
      { node: 'd', name: 'd', norm: 0 },
      { node: 'e', name: 'e', norm: Infinity }
    ]);
    expect(bars.map(bar => bar.parameter.name)).toEqual(['c', 'e', 'b', 'a', 'd', 'f']);
    expect(bars.map(bar => bar.share)).toEqual([1, 1, 1, 1 / 6, 0, 0]);
  });

  it('ranks a leaf whose gradient holds a NaN as NaN, whatever the norm of its finite values', () => {
    const pass = record({ n1: { step: 0, arriving: [{ ...grad(0.1), nan: 1 }], leaving: [] }, n2: { step: 1, arriving: [grad(5)], leaving: [] } });
    const bars = parameterBars([{ node: 'n2', name: 'big', norm: 5 }, { node: 'n1', name: 'poisoned', norm: 0.1 }], pass);
    expect(bars.map(bar => bar.parameter.name)).toEqual(['poisoned', 'big']);
    expect(bars[0].norm).toBeNaN();
  });
});
