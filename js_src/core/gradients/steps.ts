/**
 * Stepping through a recorded backward pass: which step is shown, how the controls move it,
 * and what each drawn box and link looks like at that step. Pure data, no DOM.
 *
 * With n nodes in `order`, the position runs from 0 (the first node autograd ran, the root's
 * op) to n - 1 (the last), and n stands for the whole pass done: what the gradient-flow view
 * shows before anyone steps. At step k the node order[k] runs: it has received its gradient,
 * and the gradients it sends to its inputs are on their edges.
 */

import type { GraphModel } from '../graph/model';
import { linkKey } from './flow';
import type { GradientsSnapshot } from '../schema';

export interface StepState {
  /** 0 … count - 1: the node order[at] is running; count: the whole pass is done. */
  at: number;
  playing: boolean;
}

export type StepAction =
  | { kind: 'first' | 'back' | 'next' | 'last' | 'toggle' | 'pause' | 'tick' }
  | { kind: 'seek'; at: number };

/** Where a box is in the pass: running now, ran before, not yet, or never (no gradient reached it). */
export type Phase = 'current' | 'done' | 'pending' | 'unreached';

export interface StepPicture {
  boxes: Map<string, Phase>;
  /** Links whose gradient has been sent, by linkKey. */
  passed: Set<string>;
}

/** Before any stepping: the whole pass, still. */
export function wholePass(count: number): StepState {
  return { at: count, playing: false };
}

/**
 * The state after an action. Play from the end starts again at the first step; playing
 * stops by itself at the end; `tick` is a step of play and does nothing while paused.
 */
export function stepReducer(state: StepState, action: StepAction, count: number): StepState {
  const to = (at: number, playing = false): StepState => ({ at: Math.min(Math.max(Math.round(at), 0), count), playing });
  switch (action.kind) {
    case 'first':
      return to(0);
    case 'back':
      return to(state.at - 1);
    case 'next':
      return to(state.at + 1);
    case 'last':
      return to(count);
    case 'seek':
      return Number.isFinite(action.at) ? to(action.at) : { ...state, playing: false };
    case 'pause':
      return { ...state, playing: false };
    case 'toggle':
      if (state.playing) return { ...state, playing: false };
      return count === 0 ? state : to(state.at >= count ? 0 : state.at, true);
    case 'tick': {
      if (!state.playing) return state;
      const next = state.at + 1;
      return to(next, next < count);
    }
  }
}

/** The phase of each drawn box and the links passed, at step `at`. */
export function stepPicture(model: GraphModel, gradients: GradientsSnapshot, at: number): StepPicture {
  const stepOf = (id: string): number | null => {
    const step = gradients.nodes[id]?.step;
    return step === undefined || step < 0 ? null : step;
  };
  const boxes = new Map<string, Phase>();
  for (const node of model.snapshot.nodes) {
    const box = model.boxOf.get(node.id);
    if (box === undefined) continue;
    const phase = node.kind === 'tensor' ? seedPhase(model, gradients, node.id) : phaseAt(stepOf(node.id), at);
    boxes.set(box, strongerPhase(boxes.get(box), phase));
  }
  const passed = new Set<string>();
  for (const edge of model.snapshot.edges) {
    const [source, target] = [model.boxOf.get(edge.source), model.boxOf.get(edge.target)];
    if (source === undefined || target === undefined || source === target) continue;
    // An edge's gradient is sent by its target, except the seed, which reaches the root's op.
    const sender = model.index.nodes.get(edge.target)?.kind === 'tensor' ? edge.source : edge.target;
    const step = stepOf(sender);
    if (step !== null && step <= at) passed.add(linkKey(source, target));
  }
  return { boxes, passed };
}

function phaseAt(step: number | null, at: number): Phase {
  if (step === null) return 'unreached';
  if (step === at) return 'current';
  return step < at ? 'done' : 'pending';
}

/** A root tensor holds the seed from the start, if its op ran at all. */
function seedPhase(model: GraphModel, gradients: GradientsSnapshot, id: string): Phase {
  const ran = (model.index.inputs.get(id) ?? []).some(source => (gradients.nodes[source]?.step ?? -1) >= 0);
  return ran ? 'done' : 'unreached';
}

/** A box of many nodes shows the most telling phase among them: current, then done, then pending. */
const PHASE_RANK: Record<Phase, number> = { current: 3, done: 2, pending: 1, unreached: 0 };

function strongerPhase(a: Phase | undefined, b: Phase): Phase {
  return a !== undefined && PHASE_RANK[a] >= PHASE_RANK[b] ? a : b;
}
