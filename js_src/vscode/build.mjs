/**
 * Builds the VS Code extension (`npm run build:vscode`):
 *
 *  1. bundles renderer.ts as one ES module, the views' stylesheet inlined as TORCHINSPECT_CSS;
 *  2. stages the extension in dist/vscode/: this folder's manifest, given the version written
 *     once in the root package.json, its README, and the renderer;
 *  3. packages dist/vscode/ with vsce as dist/torchinspect-vscode-<version>.vsix.
 *
 * The renderer contributes to notebooks only: no extension host code, no dependencies.
 */

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const stage = join(repo, 'dist', 'vscode');

const css = await build({
  entryPoints: [join(repo, 'js_src', 'views', 'style.css')],
  bundle: true,
  minify: true,
  write: false
});

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
await build({
  entryPoints: [join(here, 'renderer.ts')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  outfile: join(stage, 'renderer.js'),
  define: { TORCHINSPECT_CSS: JSON.stringify(css.outputFiles[0].text) },
  logLevel: 'warning'
});

const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const manifest = { ...JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')), version };
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
copyFileSync(join(here, 'README.md'), join(stage, 'README.md'));

const vsix = join(repo, 'dist', `${manifest.name}-${version}.vsix`);
execFileSync(
  join(repo, 'node_modules', '.bin', 'vsce'),
  ['package', '--no-dependencies', '--skip-license', '--out', vsix],
  { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] }
);
