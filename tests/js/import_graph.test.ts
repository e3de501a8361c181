/// <reference types="node" />

/**
 * The shape of js_src, read from its imports: no cycle between modules, and each folder imports
 * only the layers under it (hosts → the composed view → flow → graph → tensor → core).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../js_src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g;

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap(name => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Each module (by its path under js_src, without .ts) and the modules of js_src it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(ROOT)) {
    const targets = [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .map(match => match[1])
      .filter(spec => spec.startsWith('.'))
      .map(spec => relative(ROOT, resolve(dirname(file), spec)));
    graph.set(relative(ROOT, file).replace(/\.ts$/, ''), targets);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (module: string): void => {
    state.set(module, 'open');
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(module, 'done');
  };
  for (const module of graph.keys()) if (state.get(module) === undefined) visit(module);
  return found;
}

/** The layer of a module: what it may import is its own layer and those under it. */
const LAYERS: [prefix: string, rank: number][] = [
  ['core/', 0],
  ['views/view', 1],
  ['views/dom', 1],
  ['views/tensor/', 2],
  ['views/graph/', 3],
  ['views/flow/', 4],
  ['views/tensor_view', 5],
  ['views/model/', 5],
  ['views/watch/', 2],
  ['views/nan/', 5],
  ['widget/', 6],
  ['lab/', 6],
  ['page/', 6],
  ['vscode/', 6]
];

function layerOf(module: string): [string, number] {
  const layer = LAYERS.find(([prefix]) => module.startsWith(prefix));
  if (layer === undefined) throw new Error(`js_src/${module} is in no layer: add its folder to LAYERS`);
  return layer;
}

describe('the modules of js_src', () => {
  const graph = importGraph();

  it('import one another without a cycle', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('import only their own layer and the layers under it, and no other host', () => {
    const wrong = [...graph].flatMap(([module, targets]) => {
      const [prefix, rank] = layerOf(module);
      return targets
        .filter(target => {
          const [targetPrefix, targetRank] = layerOf(target);
          return targetRank > rank || (rank === 6 && targetRank === 6 && targetPrefix !== prefix);
        })
        .map(target => `${module} → ${target}`);
    });
    expect(wrong).toEqual([]);
  });

  it('keep core free of the DOM and of every host library', () => {
    const hostLibraries = /from '(@jupyterlab|@lumino|@anywidget|vscode-notebook-renderer)/;
    const dom = /\b(document|window|HTMLElement|SVGElement)\b/;
    const offending = sources(join(ROOT, 'core'))
      .filter(file => hostLibraries.test(readFileSync(file, 'utf8')) || dom.test(readFileSync(file, 'utf8')))
      .map(file => relative(ROOT, file));
    expect(offending).toEqual([]);
  });
});
