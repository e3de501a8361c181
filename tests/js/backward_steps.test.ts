import { describe, expect, it } from 'vitest';

import { stepPicture, stepReducer, wholePass, type StepAction, type StepState } from '../../js_src/core/gradients/steps';
import { linkKey } from '../../js_src/core/gradients/flow';
import { graphModel } from '../../js_src/core/graph/model';
import { GRADIENTS_SCHEMA, type GradientsSnapshot } from '../../js_src/core/schema';
import { deepChain, lesson } from './graph_shapes';

const COUNT = 4;

function run(actions: StepAction['kind'][], from: StepState = wholePass(COUNT)): StepState {
  return actions.reduce((state, kind) => stepReducer(state, { kind } as StepAction, COUNT), from);
}

describe('the step controls', () => {
  it('starts on the whole pass, and first, next, back and last move within 0 … count', () => {
    expect(wholePass(COUNT)).toEqual({ at: COUNT, playing: false });
    expect(run(['first']).at).toBe(0);
    expect(run(['first', 'next', 'next']).at).toBe(2);
    expect(run(['first', 'back']).at).toBe(0);
    expect(run(['next']).at).toBe(COUNT);
    expect(run(['first', 'last']).at).toBe(COUNT);
  });

  it('seeks to a step, clamped and rounded, and ignores a position that is not a number', () => {
    const seek = (at: number) => stepReducer(wholePass(COUNT), { kind: 'seek', at }, COUNT);
    expect([seek(1.6).at, seek(-3).at, seek(99).at, seek(NaN).at]).toEqual([2, 0, COUNT, COUNT]);
  });

  it('plays from the start when at the end, one step a tick, and stops by itself at the end', () => {
    let state = run(['toggle']);
    expect(state).toEqual({ at: 0, playing: true });
    const seen = [state.at];
    while (state.playing) {
      state = stepReducer(state, { kind: 'tick' }, COUNT);
      seen.push(state.at);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(state).toEqual({ at: COUNT, playing: false });
  });

  it('pauses on toggle, on pause and on any move; a tick while paused does nothing', () => {
    const playing = run(['first', 'next', 'toggle']);
    expect(playing).toEqual({ at: 1, playing: true });
    expect(run(['toggle'], playing)).toEqual({ at: 1, playing: false });
    expect(run(['pause'], playing).playing).toBe(false);
    expect(run(['next'], playing)).toEqual({ at: 2, playing: false });
    expect(run(['tick'], { at: 1, playing: false })).toEqual({ at: 1, playing: false });
  });

  it('has nothing to play in a pass of no steps', () => {
    expect(stepReducer(wholePass(0), { kind: 'toggle' }, 0)).toEqual({ at: 0, playing: false });
  });
});

describe('the picture at a step', () => {
  const model = graphModel(lesson);
  const none = { shape: [], dtype: 'float32', numel: 1, of: 'values', norm: 1, min: 1, max: 1, rms: 1, nan: 0, posinf: 0, neginf: 0, values: null };
  const pass: GradientsSnapshot = {
    schema: GRADIENTS_SCHEMA, passes: 1, complete: true, order: ['n0', 'n1', 'n3', 'n2'], parameters: [], flags: [],
    nodes: {
      n0: { step: 0, arriving: [none], leaving: [none, null] },
      n1: { step: 1, arriving: [none], leaving: [none, none] },
      n3: { step: 2, arriving: [none], leaving: [null, none] },
      n2: { step: 3, arriving: [none], leaving: [] }
    }
  };

  it('marks the running node, those before it done and those after pending; the root holds its seed', () => {
    const { boxes } = stepPicture(model, pass, 1);
    expect(Object.fromEntries(boxes)).toEqual({ t0: 'done', n0: 'done', n1: 'current', n2: 'pending', n3: 'pending' });
  });

  it('has passed the seed and the edges the nodes so far sent gradients down, and no other', () => {
    const passed = (at: number) => [...stepPicture(model, pass, at).passed].sort();
    expect(passed(0)).toEqual([linkKey('n0', 't0'), linkKey('n1', 'n0')].sort());
    expect(passed(1)).toEqual([linkKey('n0', 't0'), linkKey('n1', 'n0'), linkKey('n2', 'n1'), linkKey('n3', 'n1')].sort());
    expect(passed(4)).toHaveLength(lesson.edges.length);
  });

  it('calls a node that no gradient reached unreached, at every step', () => {
    const partial = { ...pass, order: ['n0', 'n1'], nodes: { n0: pass.nodes.n0, n1: pass.nodes.n1 } };
    expect(stepPicture(model, partial, 2).boxes.get('n3')).toBe('unreached');
  });

  it('shows a folded box as running while any node inside it runs', () => {
    const chain = graphModel(deepChain(20));
    const inside = chain.groups[0].units[5][0];
    const record: GradientsSnapshot = { ...pass, order: [inside], nodes: { [inside]: { step: 0, arriving: [none], leaving: [] } } };
    expect(stepPicture(chain, record, 0).boxes.get(chain.groups[0].id)).toBe('current');
    expect(stepPicture(chain, record, 1).boxes.get(chain.groups[0].id)).toBe('done');
  });
});
