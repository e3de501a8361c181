/**
 * The edge each input of a node came by, where the kernel sent a pair's many edges as one counted
 * edge (graph/counted_edges.py: the pair's first edge, so its `input` is the pair's first, with
 * `count`): an input the page has no edge for came by one of the counted edges. Pure data, no DOM.
 */

import type { GraphEdge } from '../schema';

/**
 * For the edges into one node: the edges that input `input` may have come by. Its own edge where
 * the page has it. Else none where it carried no gradient (an input without an edge passes none
 * back), and where it did, each counted edge whose first input comes before it, since the pair
 * it stands for holds the input: one, for certain, where a single counted edge begins before it.
 */
export function inputEdges(into: readonly GraphEdge[]): (input: number, carried: boolean) => GraphEdge[] {
  const own = new Map(into.map(edge => [edge.input, edge]));
  const counted = into.filter(edge => edge.count !== undefined);
  return (input, carried) => {
    const edge = own.get(input);
    if (edge !== undefined) return [edge];
    return carried ? counted.filter(first => first.input < input) : [];
  };
}
