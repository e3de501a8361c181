/**
 * What another view may draw over the graph view: a layer (the gradient flow is one), mounted on
 * the graph's parts and told when the graph draws, selects, or gets new data beside the graph.
 * The graph view knows this contract only, never the layers themselves.
 */

import type { GraphBox, GraphModel } from '../../core/graph/model';
import type { GraphParts } from './parts';
import type { Drawing } from './svg';

/** The graph as drawn: its SVG group, its elements (made as they come near the view), and its own arrowhead. */
export interface GraphDrawing {
  content: SVGGElement;
  drawing: Drawing;
  /** The graph's own arrowhead, put back when a layer clears what it painted. */
  arrowUrl: string;
}

/** What a layer may ask of the graph view. */
export interface LayerHost {
  /**
   * Selects a box in the graph (its ring and the details panel) and, unless `centre` is false,
   * brings it into view. The player selects the box of its step, so one box is highlighted.
   */
  select(boxId: string, centre?: boolean): void;
  /** Brings a box into view without selecting it. */
  centre(boxId: string): void;
}

export interface GraphLayer {
  /** The data beside the graph, as the host sent it (the gradient flow's: gradients/1, or {}). */
  update(data: unknown): void;
  /** The graph was drawn again (another model, layout or direction). */
  drawn(model: GraphModel, drawing: GraphDrawing): void;
  /** The layer's part of the details panel for the selected box. */
  detailsOf(box: GraphBox | null): HTMLElement[];
  destroy(): void;
}

export type MountLayer = (parts: GraphParts, host: LayerHost) => GraphLayer;
