/**
 * Gradient flow on the graph view, once backward() has run: links and boxes coloured by the
 * log norm of their gradients with a legend, the kernel's flags as sentences above the graph,
 * the parameters' gradient norms as bars beside it, a toggle, and the controls that replay the
 * pass step by step with a panel saying what each step did. A layer of the graph view
 * (graph/layer.ts): the composed tensor view hands it to the graph, which mounts it on its parts.
 */

import { stepPicture, stepReducer, wholePass, type StepAction, type StepState } from '../../core/gradients/steps';
import { gradientFlow, type GradientFlow, type PageTone } from '../../core/gradients/flow';
import { parseGradients, stepCount } from '../../core/gradients/record';
import { formatCount, nodeLabel, type GraphModel } from '../../core/graph/model';
import type { GradientsSnapshot, ParameterGradient } from '../../core/schema';
import { describe, stepPanel } from './step_panel';
import { stepControls, type StepControls } from './step_controls';
import { element } from '../dom';
import { gradientBars } from './bars';
import { clearFlow, flowArrowMarker, isOutside, onThemeChange, pageTone, paintFlow } from './paint';
import { flaggedBoxes, flagList, gradientDetails } from './notes';
import { flowLegend } from './legend';
import type { GraphDrawing, MountLayer } from '../graph/layer';
import type { GraphParts } from '../graph/parts';

const PLAY_STEP_MS = 900;

const UNFINISHED = 'The last backward() raised before it finished: the gradients shown stop where it stopped.';

/**
 * The gradient flow as a layer of the graph view: `update` takes the recorded gradients as the
 * kernel sent them (an empty object or null for none yet); its details are nothing while it is off.
 */
export const mountGradientFlow: MountLayer = (parts, host) => {
  const listening = new AbortController();
  /**
   * The layer's elements, made with the first gradients (or the first error): a graph drawn
   * before any backward() shows none of them, and its default view is drawn without their cost.
   */
  let ui: FlowParts | null = null;
  const made = (): FlowParts => (ui ??= flowParts(parts, {
    toggled: () => {
      enabled = !enabled;
      made().toggle.setAttribute('aria-pressed', String(enabled));
      refresh();
    },
    dispatch: action => dispatch(action),
    // A theme switched after drawing recolours the flow, or its dim end would vanish on a dark page.
    themeChanged: () => {
      if (!active() || pageTone(parts.svg) === tone) return;
      shown!.flow = null;
      refresh();
    }
  }, listening.signal));

  let gradients: GradientsSnapshot | null = null;
  let enabled = true;
  /** `coloured`: whether the flow was painted on this drawing since it was drawn, so there is something to clear. */
  let shown: { model: GraphModel; painted: GraphDrawing; flow: GradientFlow | null; coloured: boolean } | null = null;
  let step: StepState = wholePass(0);
  let timer = 0;
  let tone: PageTone = 'light';

  const count = (): number => gradients?.order.length ?? 0;
  const active = (): boolean => enabled && gradients !== null && shown !== null;

  const dispatch = (action: StepAction): void => {
    step = stepReducer(step, action, count());
    if (step.playing && timer === 0) timer = window.setInterval(() => dispatch({ kind: 'tick' }), PLAY_STEP_MS);
    if (!step.playing && timer !== 0) stopPlaying();
    showStep();
  };
  const stopPlaying = (): void => {
    window.clearInterval(timer);
    timer = 0;
  };

  /** The controls, the step panel and the colours for the current step. */
  const showStep = (): void => {
    if (!active()) return;
    const { model, painted, flow } = shown!;
    const { steps, controls, arrow } = made();
    const stepping = step.at < count();
    const picture = stepping ? stepPicture(model, gradients!, step.at) : null;
    paintFlow(painted, flow!, picture, flaggedBoxes(model, gradients!.flags), arrow.url);
    shown!.coloured = true;
    controls.show(step, count(), stepLabel(model));
    steps.hidden = !stepping;
    steps.replaceChildren(...(stepping ? stepPanel(model, gradients!, step.at) : []));
    const current = stepping ? model.boxOf.get(gradients!.order[step.at]) : undefined;
    const at = current === undefined ? undefined : painted.drawing.boxAt.get(current);
    const box = at === undefined ? undefined : painted.drawing.box(at);
    if (current !== undefined) host.select(current, false);
    if (current !== undefined && box !== undefined && isOutside(box, parts.svg)) host.centre(current);
  };
  const stepLabel = (model: GraphModel): string => {
    const steps = formatCount(stepCount(gradients!));
    if (step.at >= count()) return `the whole pass: ${steps} steps`;
    const id = gradients!.order[step.at];
    const node = model.index.nodes.get(id);
    return `step ${formatCount((gradients!.nodes[id]?.step ?? step.at) + 1)} of ${steps}${node ? `: ${describe(node)}` : ''}`;
  };

  /** Everything that depends on the gradients and the model: legend, flags, bars, colours. */
  const refresh = (): void => {
    if (ui === null) return;  // no gradients yet: nothing shown, nothing painted
    const { toggle, panel, bars, steps, controls } = ui;
    toggle.hidden = gradients === null;
    const on = active();
    parts.root.classList.toggle('has-flow', on);
    for (const part of [panel, bars]) part.hidden = !on;
    if (!on) {
      stopPlaying();
      steps.hidden = true;
      if (shown?.coloured) clearFlow(shown.painted);
      if (shown !== null) shown.coloured = false;
      return;
    }
    const { model } = shown!;
    shown!.flow ??= flowOnThisPage();
    const flags = gradients!.flags.length === 0 ? [] : [flagList(model, gradients!.flags, host.select)];
    const unfinished = gradients!.complete ? [] : [element('p', 'torchinspect-flow-flag', UNFINISHED)];
    const legendRow = element('div', 'torchinspect-flow-row');
    legendRow.append(flowLegend(shown!.flow.scale), controls.root);
    panel.replaceChildren(...unfinished, ...flags, legendRow);
    const labelOf = (parameter: ParameterGradient): string => parameter.name ?? leafLabel(model, parameter.node);
    const parameters = gradients!.parameters;
    const chart = () => gradientBars(gradients!, shown!.flow!.scale, labelOf, node => selectNode(model, node));
    bars.replaceChildren(...(parameters.length === 0 ? [] : [chart()]));
    showStep();
  };
  const selectNode = (model: GraphModel, node: string): void => {
    const box = model.boxOf.get(node);
    if (box !== undefined) host.select(box);
  };

  /** The colours for the page's tone now: a dark page takes the bright end of the palette. */
  const flowOnThisPage = (): GradientFlow => {
    tone = pageTone(parts.svg);
    return gradientFlow(shown!.model, gradients!, tone);
  };

  return {
    update(raw) {
      try {
        const next = parseGradients(raw);
        if (next !== null || ui !== null) made().error.hidden = true;
        // A new pass through the same graph keeps the step shown; another graph starts whole.
        const sameSteps = next !== null && gradients !== null && next.order.length === gradients.order.length;
        gradients = next;
        if (!sameSteps) step = wholePass(count());
      } catch (failure) {
        gradients = null;
        const { error } = made();
        error.hidden = false;
        error.textContent = (failure as Error).message;
      }
      if (shown !== null) shown.flow = null;
      refresh();
    },
    drawn(model, painted) {
      shown = { model, painted, flow: null, coloured: false };
      refresh();
    },
    detailsOf(box) {
      if (!active() || box === null) return [];
      shown!.flow ??= flowOnThisPage();
      return gradientDetails(shown!.model, gradients!, box, shown!.flow.boxNorms.get(box.id) ?? null);
    },
    destroy() {
      stopPlaying();
      listening.abort();
      if (ui !== null) for (const part of [ui.toggleGroup, ui.error, ui.panel, ui.bars, ui.steps, ui.arrow.defs]) part.remove();
      parts.root.classList.remove('has-flow');
    }
  };
};

/** The layer's elements in the graph view's parts: the toggle, the panel above, the bars beside, the step below. */
interface FlowParts {
  toggle: HTMLButtonElement;
  toggleGroup: HTMLElement;
  panel: HTMLElement;
  error: HTMLElement;
  bars: HTMLElement;
  steps: HTMLElement;
  controls: StepControls;
  arrow: { defs: SVGDefsElement; url: string };
}

interface FlowHandlers {
  toggled(): void;
  dispatch(action: StepAction): void;
  themeChanged(): void;
}

function flowParts(parts: GraphParts, handlers: FlowHandlers, signal: AbortSignal): FlowParts {
  const toggle = element('button', 'torchinspect-graph-button torchinspect-flow-toggle', 'gradient flow');
  toggle.type = 'button';
  toggle.title = 'colour the graph by the gradients of the last backward()';
  toggle.setAttribute('aria-pressed', 'true');
  toggle.hidden = true;
  const toggleGroup = element('div', 'torchinspect-graph-button-group');
  toggleGroup.appendChild(toggle);
  parts.toolbar.appendChild(toggleGroup);
  const panel = element('div', 'torchinspect-flow');
  panel.hidden = true;
  const error = element('p', 'torchinspect-flow-error torchinspect-error');
  error.hidden = true;
  const bars = element('div', 'torchinspect-flow-side');
  bars.hidden = true;
  const steps = element('section', 'torchinspect-step');
  steps.setAttribute('aria-label', 'the backward step shown');
  steps.setAttribute('aria-live', 'polite');
  steps.hidden = true;
  parts.body.before(error, panel);
  parts.body.appendChild(bars);
  parts.body.after(steps);
  const arrow = flowArrowMarker();
  parts.svg.prepend(arrow.defs);
  const controls = stepControls(handlers.dispatch, signal);
  onThemeChange(handlers.themeChanged, signal);
  toggle.addEventListener('click', handlers.toggled, { signal });
  return { toggle, toggleGroup, panel, error, bars, steps, controls, arrow };
}

/** A leaf no one named reads as its graph label: `leaf [20]`. */
function leafLabel(model: GraphModel, id: string): string {
  const node = model.index.nodes.get(id);
  if (node === undefined) return id;
  const { title, subtitle } = nodeLabel(node);
  return subtitle ? `${title} ${subtitle}` : title;
}
