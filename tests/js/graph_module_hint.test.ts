/**
 * Whether the status line may suggest record_modules (core/graph/modules.hasUnrecordedModules):
 * only for a graph with modules to record, never for a chain of plain tensors.
 * tests/e2e/test_graph_module_hint.py shows both in Chromium, from torch's own graphs.
 */

import { describe, expect, it } from 'vitest';
import { hasUnrecordedModules } from '../../js_src/core/graph/modules';
import type { GraphSnapshot } from '../../js_src/core/schema';
import { deepChain } from './graph_shapes';

/** The chain with its `w` made an nn.Parameter. */
function withParameter(chain: GraphSnapshot): GraphSnapshot {
  const nodes = chain.nodes.map(node => (node.id === 'w' ? { ...node, tensor: { ...node.tensor!, is_parameter: true } } : node));
  return { ...chain, nodes };
}

describe('the record_modules hint', () => {
  it('is not for a chain of plain tensors', () => {
    expect(hasUnrecordedModules(deepChain(50))).toBe(false);
  });

  it('is for a graph that takes a parameter, or whose modules the kernel inferred', () => {
    expect(hasUnrecordedModules(withParameter(deepChain(50)))).toBe(true);
    const inferred: GraphSnapshot = { ...deepChain(50), folding: { modules: 'inferred', inferred_modules: {}, repeats: [] } };
    expect(hasUnrecordedModules(inferred)).toBe(true);
  });

  it('is not once the modules were recorded', () => {
    const recorded = withParameter(deepChain(50));
    recorded.nodes[1] = { ...recorded.nodes[1], metadata: { module: 'layers.0' } };
    expect(hasUnrecordedModules(recorded)).toBe(false);
  });
});
