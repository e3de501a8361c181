/**
 * The model snapshot (torchinspect.model/1, py_src/torchinspect/schema/model-1.json) as the
 * model view reads it: types, the module tree with its children, and the words of each row.
 */

import { formatBytes } from '../format';
import type { GraphSharding, Shape } from '../schema';
import { graphShardingText } from '../tensor/sharding';
import { formatCount, formatNumber } from '../numbers';

/** A count; past 2**53 - 1 the kernel sends its digits. */
export type Count = number | string;

/** The MIME type under which a saved `inspect(model)` output carries its snapshot. */
export const MODEL_MIME_TYPE = 'application/vnd.torchinspect.model+json';

/** A finite number, or 'inf', '-inf', 'nan'. */
export type JsonFloat = number | 'inf' | '-inf' | 'nan';

export interface ModuleRow {
  path: string;
  class: string;
  parent: number | null;
  depth: number;
  parameters: Count;
  trainable: Count;
  bytes: Count;
  lazy: number;
  buffers: Count;
  buffer_bytes: Count;
  extra: string;
}

export interface Values {
  norm: JsonFloat | null;
  nan: Count | null;
  inf: Count | null;
}

export interface TensorRow extends Values {
  name: string;
  module: number;
  /** Null for a lazy parameter; past 1,024 dimensions cut as the graph's shapes are. */
  shape: Shape | null;
  dtype: string | null;
  device: string;
  numel: Count;
  bytes: Count;
  lazy?: true;
  /** A DTensor's layout (FSDP2, tensor parallel); shape, numel and bytes are the global tensor's. */
  sharding?: GraphSharding;
}

export interface ParameterRow extends TensorRow {
  aliases: string[];
  requires_grad: boolean;
  grad: Values | null;
}

export interface ModelSnapshot {
  schema: 'torchinspect.model/1';
  name: string | null;
  class: string;
  summary: string;
  modules: ModuleRow[];
  parameters: ParameterRow[];
  buffers: TensorRow[];
}

export function isModelSnapshot(data: unknown): data is ModelSnapshot {
  return typeof data === 'object' && data !== null && (data as { schema?: unknown }).schema === 'torchinspect.model/1';
}

/** The indices of each module's children, in the snapshot's (depth-first) order. */
export function childrenOf(modules: readonly ModuleRow[]): number[][] {
  const children: number[][] = modules.map(() => []);
  modules.forEach((module, index) => {
    if (module.parent !== null) children[module.parent].push(index);
  });
  return children;
}

/** A module's own name (the last part of its path) and class: `0 · Linear`, or the class for the model. */
export function moduleLabel(module: ModuleRow, modelName: string | null): string {
  if (module.path === '') return modelName === null ? module.class : `${modelName} · ${module.class}`;
  return `${module.path.slice(module.path.lastIndexOf('.') + 1)} · ${module.class}`;
}

/** `24 parameters · 96 B`, `frozen`, `buffers 40 B`: what a tree row says of its module. */
export function moduleCounts(module: ModuleRow): string {
  const parts: string[] = [];
  const count = Number(module.parameters);
  if (count > 0) {
    parts.push(`${formatCount(count)} parameters · ${formatBytes(Number(module.bytes))}`);
    const trainable = Number(module.trainable);
    if (trainable === 0) parts.push('frozen');
    else if (trainable < count) parts.push(`${formatCount(count - trainable)} frozen`);
  }
  if (module.lazy > 0) parts.push(`${module.lazy} lazy, not initialized`);
  if (Number(module.buffers) > 0) parts.push(`buffers ${formatBytes(Number(module.buffer_bytes))}`);
  return parts.join(' · ');
}

/** A norm as the table shows it: four digits, NaN and ±Inf in words, a dash where none was read. */
export function formatNorm(norm: JsonFloat | null): string {
  if (norm === null) return '–';
  if (norm === 'nan') return 'NaN';
  if (norm === 'inf') return '+Inf';
  if (norm === '-inf') return '-Inf';
  return formatNumber(norm);
}

/** NaN and Inf counts in words (`2 NaN, 1 Inf`), or '' when there are none. */
export function nonFinite(values: Values | null): string {
  if (values === null) return '';
  const parts = [];
  if (Number(values.nan ?? 0) > 0) parts.push(`${formatCount(Number(values.nan))} NaN`);
  if (Number(values.inf ?? 0) > 0) parts.push(`${formatCount(Number(values.inf))} Inf`);
  return parts.join(', ');
}

/** The grad column's text: `none` before backward(), else its norm and any NaN/Inf. */
export function gradText(parameter: ParameterRow): string {
  if (!parameter.requires_grad) return 'frozen';
  if (parameter.grad === null) return 'none';
  const flags = nonFinite(parameter.grad);
  return flags === '' ? formatNorm(parameter.grad.norm) : `${formatNorm(parameter.grad.norm)} (${flags})`;
}

/** Where a tensor lives: its device, or for a DTensor its placements on its mesh (`Shard(0) on mesh d0=2 (cpu)`). */
export function deviceText(tensor: TensorRow): string {
  return tensor.sharding === undefined ? tensor.device : graphShardingText(tensor.sharding);
}
