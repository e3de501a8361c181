// @vitest-environment happy-dom
/**
 * Culling a big graph's SVG (culling.ts) takes far elements out of the page: whatever the view
 * went through, the drawing holds exactly the layout's boxes and links near it, all of them
 * once culling stops; a big drawing's elements are made as they come near, and the search's
 * marks and the gradient flow's paint reach elements made or put back after they were set.
 */

import { describe, expect, it } from 'vitest';
import { cssColor } from '../../js_src/core/colormap';
import { linkKey, normScale, type GradientFlow } from '../../js_src/core/gradients/flow';
import type { GraphLayout } from '../../js_src/core/graph/geometry';
import { layoutGraph } from '../../js_src/core/graph/layout';
import { expandGroupAll, graphModel } from '../../js_src/core/graph/model';
import { paintFlow } from '../../js_src/views/flow/paint';
import { cull, reaches, SVG_MAX_LINKS, windowAround, type ViewTransform } from '../../js_src/views/graph/culling';
import { CULL_MIN_BOXES, drawLayout, drawingOf, svgElement } from '../../js_src/views/graph/svg';
import { fanSnapshot } from './graph_fan';

const STAGE = { width: 800, height: 600 };

function openedFan(leaves: number): GraphLayout {
  let model = graphModel(fanSnapshot(leaves));
  while (model.groups.length > 0) model = expandGroupAll(model, model.groups[0].id);
  return layoutGraph(model, 'down');
}

/** The boxes' ids and the links' ends the page holds now, sorted. */
function inPage(content: SVGGElement): { boxes: string[]; links: string[] } {
  const boxes = [...content.querySelectorAll<SVGGElement>('.torchinspect-graph-box')].map(box => box.dataset.id!);
  const links = [...content.querySelectorAll<SVGPathElement>('.torchinspect-graph-link')].map(link => linkKey(link.dataset.source!, link.dataset.target!));
  return { boxes: boxes.sort(), links: links.sort() };
}

/** What of the layout reaches the view's window: every box and link drawn there, sorted. */
function near(layout: GraphLayout, view: ViewTransform | null): { boxes: string[]; links: string[] } {
  const window = view === null ? null : windowAround(view, STAGE);
  const boxes = layout.boxes.filter(({ x, y, width, height }) =>
    window === null || reaches(window, x - width / 2, y - height / 2, x + width / 2, y + height / 2));
  const links = layout.links.filter(({ points }) => {
    const [xs, ys] = [points.map(point => point.x), points.map(point => point.y)];
    return window === null || reaches(window, Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
  });
  return { boxes: boxes.map(({ box }) => box.id).sort(), links: links.map(({ link }) => linkKey(link.source, link.target)).sort() };
}

function drawn(layout: GraphLayout): SVGGElement {
  const content = svgElement('g', '');
  document.body.appendChild(svgElement('svg', '')).appendChild(content);
  drawLayout(content, layout, 'url(#arrow)');
  return content;
}

// Each test draws and culls a 700-leaf fan in happy-dom: ~2 s alone, more on a busy 2-core CI runner.
describe('culling a big graph', { timeout: 30_000 }, () => {
  const layout = openedFan(700);
  const views: ViewTransform[] = [
    { x: 0, y: 0, scale: 1 },
    { x: -3000, y: -100, scale: 0.5 },
    { x: -20000, y: 0, scale: 2 },
    { x: -1000, y: 0, scale: 0.45 }
  ];

  it('keeps in the page exactly the boxes and links near the view, and every one once it stops', () => {
    expect(layout.boxes.length).toBe(2_103);
    const content = drawn(layout);
    const drawing = drawingOf(content)!;
    for (const view of views) {
      cull(drawing, windowAround(view, STAGE));
      const shown = inPage(content);
      expect(shown).toEqual(near(layout, view));
      expect(shown.boxes.length).toBeLessThan(layout.boxes.length / 2);
      expect(content.querySelectorAll('.torchinspect-graph-link-label').length).toBe(shown.links.length);
    }
    cull(drawing, null);
    expect(inPage(content)).toEqual(near(layout, null));
    expect(content.querySelectorAll('.torchinspect-graph-box').length).toBe(layout.boxes.length);
    expect(content.querySelectorAll('.torchinspect-graph-link').length).toBe(layout.links.length);
  });

  it('leaves out of the page the links crossing a crowded view, for the canvas under it to draw', () => {
    // Seen near the stack box, which 700 links reach: those with an end far away are left out.
    const takers = new Map<string, number>();
    for (const { link } of layout.links) takers.set(link.target, (takers.get(link.target) ?? 0) + 1);
    const hub = layout.boxes.find(({ box }) => takers.get(box.id) === 700)!;
    const scale = 0.6;
    const view = { x: STAGE.width / 2 - hub.x * scale, y: STAGE.height / 2 - hub.y * scale, scale };
    const window = windowAround(view, STAGE);
    const reaching = near(layout, view).links;
    expect(reaching.length).toBeGreaterThan(SVG_MAX_LINKS);
    const content = drawn(layout);
    const aside = cull(drawingOf(content)!, window);
    const keyOf = (at: number) => linkKey(layout.links[at].link.source, layout.links[at].link.target);
    const inside = ({ x, y }: { x: number; y: number }) => reaches(window, x, y, x, y);
    const bothEnds = layout.links.filter(({ points }) => inside(points[0]) && inside(points[points.length - 1]));
    expect(inPage(content).links).toEqual(bothEnds.map(({ link }) => linkKey(link.source, link.target)).sort());
    expect(bothEnds.length).toBeGreaterThan(0);
    expect([...inPage(content).links, ...aside.map(keyOf)].sort()).toEqual(reaching);
    expect(content.querySelectorAll('.torchinspect-graph-link-label').length).toBe(bothEnds.filter(({ link }) => link.label).length);
    // Zoomed out of it, nothing is left out any more.
    expect(cull(drawingOf(content)!, windowAround(views[2], STAGE))).toEqual([]);
  });

  it('culls a graph opened a little past a default view, as it culls a big one', () => {
    const opened = openedFan(40);
    expect(opened.boxes.length).toBeGreaterThanOrEqual(CULL_MIN_BOXES);
    const content = drawn(opened);
    cull(drawingOf(content)!, windowAround(views[0], STAGE));
    const shown = inPage(content);
    expect(shown).toEqual(near(opened, views[0]));
    expect(shown.boxes.length).toBeLessThan(opened.boxes.length);
  });

  it('leaves a small graph whole', () => {
    const small = openedFan(30);
    const content = drawn(small);
    cull(drawingOf(content)!, windowAround(views[2], STAGE));
    expect(inPage(content)).toEqual(near(small, null));
  });

  it('makes a big drawing\'s elements only as they come near the view, each once, and dresses those made later', () => {
    const content = drawn(layout);
    const drawing = drawingOf(content)!;
    expect(inPage(content)).toEqual({ boxes: [], links: [] });
    const marked = new Set(layout.boxes.filter((_, at) => at % 3 === 0).map(({ box }) => box.id));
    drawing.dress('is-match', { box: (element, { box }) => element.classList.toggle('is-match', marked.has(box.id)) });
    cull(drawing, windowAround(views[0], STAGE));
    const first = inPage(content).boxes;
    const element = drawing.box(drawing.boxAt.get(first[0])!);
    expect(content.querySelector(`[data-id="${first[0]}"]`)).toBe(element);
    for (const view of views.slice(1)) cull(drawing, windowAround(view, STAGE));
    cull(drawing, windowAround(views[0], STAGE));
    expect(content.querySelector(`[data-id="${first[0]}"]`)).toBe(element);
    cull(drawing, null);
    const matching = [...content.querySelectorAll<SVGGElement>('.torchinspect-graph-box.is-match')].map(box => box.dataset.id!);
    expect(matching.sort()).toEqual([...marked].sort());
  });

  it('keeps the gradient flow\'s colours on links made or put back after it painted', () => {
    const content = drawn(layout);
    const drawing = drawingOf(content)!;
    cull(drawing, windowAround(views[1], STAGE));
    const linkNorms = new Map(layout.links.map(({ link }, at) => [linkKey(link.source, link.target), at + 1]));
    const flow: GradientFlow = { scale: normScale(linkNorms.values()), boxNorms: new Map(), linkNorms };
    paintFlow({ content, drawing, arrowUrl: 'url(#arrow)' }, flow, null, new Set(), 'url(#flow-arrow)');
    cull(drawing, windowAround(views[2], STAGE));
    cull(drawing, null);
    const links = [...content.querySelectorAll<SVGPathElement>('.torchinspect-graph-link')];
    expect(links).toHaveLength(layout.links.length);
    for (const link of links) {
      const norm = linkNorms.get(linkKey(link.dataset.source!, link.dataset.target!))!;
      expect([link.dataset.norm, link.style.stroke, link.getAttribute('marker-end')])
        .toEqual([String(norm), cssColor(flow.scale.colorOf(norm)!), 'url(#flow-arrow)']);
    }
  });
});
