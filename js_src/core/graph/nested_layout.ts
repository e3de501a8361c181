/**
 * The layout of a graph with open modules. Each open module is laid out on its own, inside
 * out, and takes its place in the layout around it as one item the size of its frame: the
 * frame holds the module's layout under a header. Modules alike inside (the six layers of an
 * encoder) are laid out once.
 *
 * A link between boxes of different modules is routed in pieces, each laid out by the layout
 * of one module: out of the source's module through a port at the bottom of its layout (the
 * top, flipped), between the frames where the two modules part, and into the target's module
 * through a port at the top. So a link never cuts across the boxes inside a frame. DOM-free.
 */

import type { GraphBox, GraphModel } from './model';
import {
  halfway, type GraphLayout, type LayeredPlacement, type LayoutItem, type PlacedBox, type PlacedFrame, type PlacedLink,
  type Point
} from './geometry';
import { ancestry, moduleSubtitle, type ModuleGroup } from './modules';

/** The layered layout of one container's items, `margin` around them. */
export type Place = (items: LayoutItem[], edges: Edge[], margin: number) => LayeredPlacement;
type SizeOf = (box: GraphBox) => { width: number; height: number };

interface Edge {
  source: string;
  target: string;
}

/** The top of the drawing, or an open module: what holds boxes, frames and ports. */
interface Container {
  boxes: GraphBox[];
  /** The open modules right inside it. */
  frames: string[];
  /** Links come in through the `in` port, leave through the `out` port. */
  ports: Set<string>;
  edges: Edge[];
  edgeAt: Map<string, number>;
}

/** A container's layout, relative to its top left: items are its boxes, its frames, its ports. */
interface Geometry {
  items: LayoutItem[];
  placement: LayeredPlacement;
}

/** One piece of a link's route: an edge of one container's layout. */
interface Piece {
  container: string;
  edge: number;
}

const TOP = '';
const MARGIN_PX = 16;
export const FRAME_PAD_PX = 12;
export const FRAME_HEADER_PX = 28;
/** The header's 11 px monospace advance, rounded up. */
const HEADER_CHAR_PX = 6.8;
const PORT_PX = 2;
const FRAME_PREFIX = 'frame:';
const PORT_PREFIX = 'port:';

export function nestedLayout(model: GraphModel, sizeOf: SizeOf, place: Place): GraphLayout {
  const containers = containersOf(model);
  const chains = new Map(model.boxes.map(box => [box.id, box.container === null ? [] : ancestry(model.modules, box.container)]));
  const routes = model.links.map(link => piecesOf(containers, chains.get(link.source)!, chains.get(link.target)!, link));
  containers.forEach(pinPorts);
  const geometries = new Map<string, Geometry>();
  const laidOut = new Map<string, LayeredPlacement>();
  const measure = (path: string): Geometry => {
    const container = containers.get(path)!;
    const items: LayoutItem[] = [
      ...container.boxes.map(box => ({ id: box.id, ...sizeOf(box) })),
      ...container.frames.map(frame => ({ id: FRAME_PREFIX + frame, ...frameSize(model.modules.groups.get(frame)!, measure(frame)) })),
      ...[...container.ports].map(port => ({ id: port, width: PORT_PX, height: PORT_PX }))
    ];
    const margin = path === TOP ? MARGIN_PX : 0;
    // Alike modules have the same sizes and links, by position: one layout serves them all.
    const key = signature(items, container.edges, margin);
    let placement = laidOut.get(key);
    if (placement === undefined) {
      placement = place(items, container.edges, margin);
      laidOut.set(key, placement);
    }
    const geometry = { items, placement };
    geometries.set(path, geometry);
    return geometry;
  };
  const top = measure(TOP);
  const drawn = { boxes: [] as PlacedBox[], frames: [] as PlacedFrame[], routes: new Map<string, Point[][]>() };
  placeContainer(model, containers, geometries, TOP, { x: 0, y: 0 }, drawn);
  const links: PlacedLink[] = model.links.map((link, at) => {
    const pieces = routes[at].pieces.map(piece => drawn.routes.get(piece.container)![piece.edge]);
    // The shape label goes on the piece between the two modules, outside both frames.
    return { link, points: pieces.length === 1 ? pieces[0] : ([] as Point[]).concat(...pieces), labelAt: halfway(pieces[routes[at].between]) };
  });
  return { boxes: drawn.boxes, links, frames: drawn.frames, width: top.placement.width, height: top.placement.height };
}

/** The frame's size: its layout, the padding, and room for the header's text. */
function frameSize(module: ModuleGroup, inner: Geometry): { width: number; height: number } {
  const header = Math.ceil(frameTitle(module).length * HEADER_CHAR_PX) + 2 * FRAME_PAD_PX;
  return {
    width: Math.max(inner.placement.width + 2 * FRAME_PAD_PX, header),
    height: inner.placement.height + FRAME_HEADER_PX + FRAME_PAD_PX
  };
}

/** `▾ layers.0 · TransformerEncoderLayer · 75 nodes`: what the frame's header says. */
export function frameTitle(module: ModuleGroup): string {
  return `▾ ${module.path} · ${moduleSubtitle(module)}`;
}

function containersOf(model: GraphModel): Map<string, Container> {
  const containers = new Map<string, Container>();
  const at = (path: string): Container => {
    let container = containers.get(path);
    if (container === undefined) {
      container = { boxes: [], frames: [], ports: new Set(), edges: [], edgeAt: new Map() };
      containers.set(path, container);
    }
    return container;
  };
  at(TOP);
  const framed = new Set<string>();
  for (const box of model.boxes) {
    at(box.container ?? TOP).boxes.push(box);
    for (let path = box.container; path !== null && !framed.has(path); ) {
      framed.add(path);
      const parent = model.modules.groups.get(path)!.parent;
      at(parent ?? TOP).frames.push(path);
      path = parent;
    }
  }
  return containers;
}

/**
 * A link's route, piece by piece: out through the port of each module around the source,
 * inner first; from the frame or box holding the source to the one holding the target where
 * the two chains of modules part (the piece `between`); in through the port of each module
 * around the target.
 */
function piecesOf(
  containers: Map<string, Container>, from: string[], to: string[], link: Edge
): { pieces: Piece[]; between: number } {
  let shared = 0;
  while (shared < from.length && shared < to.length && from[shared] === to[shared]) shared++;
  const pieces: Piece[] = [];
  let source = link.source;
  for (let depth = from.length - 1; depth >= shared; depth--) {
    pieces.push(pieceIn(containers, from[depth], source, portOf(from[depth], 'out')));
    source = FRAME_PREFIX + from[depth];
  }
  const target = shared === to.length ? link.target : FRAME_PREFIX + to[shared];
  const between = pieces.push(pieceIn(containers, shared === 0 ? TOP : from[shared - 1], source, target)) - 1;
  for (let depth = shared; depth < to.length; depth++) {
    const inner = depth === to.length - 1 ? link.target : FRAME_PREFIX + to[depth + 1];
    pieces.push(pieceIn(containers, to[depth], portOf(to[depth], 'in'), inner));
  }
  return { pieces, between };
}

function pieceIn(containers: Map<string, Container>, path: string, source: string, target: string): Piece {
  const container = containers.get(path)!;
  for (const end of [source, target]) if (end.startsWith(PORT_PREFIX)) container.ports.add(end);
  return { container: path, edge: edgeIn(container, source, target) };
}

function edgeIn(container: Container, source: string, target: string): number {
  const key = `${source}\u0000${target}`;
  let edge = container.edgeAt.get(key);
  if (edge === undefined) {
    edge = container.edges.push({ source, target }) - 1;
    container.edgeAt.set(key, edge);
  }
  return edge;
}

function portOf(path: string, side: 'in' | 'out'): string {
  return `${PORT_PREFIX}${side}:${path}`;
}

/**
 * Keeps the ports at the ends of a module's layout: the in port before every item that takes
 * nothing from inside, the out port after every item that gives nothing inside. These edges
 * shape the layout and route no link.
 */
function pinPorts(container: Container): void {
  if (container.ports.size === 0) return;
  const items = [...container.boxes.map(box => box.id), ...container.frames.map(frame => FRAME_PREFIX + frame)];
  const fed = new Set(container.edges.map(edge => edge.target));
  const feeding = new Set(container.edges.map(edge => edge.source));
  for (const port of container.ports) {
    const entering = port.startsWith(`${PORT_PREFIX}in:`);
    for (const item of items) {
      if (entering && !fed.has(item)) edgeIn(container, port, item);
      if (!entering && !feeding.has(item)) edgeIn(container, item, port);
    }
  }
}

function signature(items: LayoutItem[], edges: Edge[], margin: number): string {
  const position = new Map(items.map((item, at) => [item.id, at]));
  const sizes = items.map(item => `${item.width}x${item.height}`).join(',');
  const links = edges.map(edge => `${position.get(edge.source)}>${position.get(edge.target)}`).join(',');
  return `${margin}|${sizes}|${links}`;
}

/** Puts a container's layout at `origin`, its frames' layouts inside their frames, and so on down. */
function placeContainer(
  model: GraphModel,
  containers: Map<string, Container>,
  geometries: Map<string, Geometry>,
  path: string,
  origin: Point,
  drawn: { boxes: PlacedBox[]; frames: PlacedFrame[]; routes: Map<string, Point[][]> }
): void {
  const container = containers.get(path)!;
  const { items, placement } = geometries.get(path)!;
  const shift = (point: Point): Point => ({ x: point.x + origin.x, y: point.y + origin.y });
  drawn.routes.set(path, placement.routes.map(points => points.map(shift)));
  container.boxes.forEach((box, at) => {
    drawn.boxes.push({ box, ...shift(placement.centres[at]), width: items[at].width, height: items[at].height });
  });
  container.frames.forEach((frame, offset) => {
    const at = container.boxes.length + offset;
    const centre = shift(placement.centres[at]);
    const { width, height } = items[at];
    drawn.frames.push({ module: model.modules.groups.get(frame)!, ...centre, width, height });
    const inner = geometries.get(frame)!.placement;
    const innerOrigin = { x: centre.x - inner.width / 2, y: centre.y - height / 2 + FRAME_HEADER_PX };
    placeContainer(model, containers, geometries, frame, innerOrigin, drawn);
  });
}
