/**
 * What the Tensors sidebar shows of the rows, in which order: filtering, sorting and grouping
 * the kernel's rows into sections. Plain data in, plain data out; no DOM.
 */

import type { NonFinite, TensorRow } from '../core/protocol';

export type SortKey = 'name' | 'size' | 'type' | 'trouble';

export const SORT_LABELS: Record<SortKey, string> = {
  name: 'name',
  size: 'size, largest first',
  type: 'dtype and device',
  trouble: 'NaN/Inf first'
};

/** Variables (`group` null), or the parameters of one module variable. */
export interface TensorSection {
  group: string | null;
  groupType: string | null;
  rows: TensorRow[];
}

export interface Arrangement {
  /** Words that must all appear in a row's name or summary; case does not matter. */
  filter: string;
  sort: SortKey;
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The sections to show: variables first, then each module's parameters, each sorted
 * (`rows` in the kernel's order, which for parameters is the module's).
 */
export function arrangeRows(rows: Iterable<TensorRow>, { filter, sort }: Arrangement): TensorSection[] {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const sections = new Map<string | null, TensorSection>();
  for (const row of rows) {
    if (!matches(row, terms)) continue;
    let section = sections.get(row.group);
    if (section === undefined) {
      section = { group: row.group, groupType: row.group_type, rows: [] };
      sections.set(row.group, section);
    }
    section.rows.push(row);
  }
  const compare = comparators[sort];
  for (const section of sections.values()) {
    // Variables tie by name; a module's parameters keep the module's own order.
    const tie = section.group === null ? (a: TensorRow, b: TensorRow) => byName.compare(a.name, b.name) : () => 0;
    section.rows.sort((a, b) => compare(a, b) || tie(a, b));
  }
  return [...sections.values()].sort((a, b) => {
    if (a.group === null || b.group === null) return a.group === null ? -1 : 1;
    return byName.compare(a.group, b.group);
  });
}

/** Whether the row's values or its grad hold NaN or ±Inf. */
export function hasTrouble(row: TensorRow): boolean {
  return countOf(row.nonfinite) + countOf(row.grad_nonfinite) > 0;
}

/** `NaN×2 +Inf×1`, the summary line's words for the counts; empty when there is none. */
export function troubleWords(counts: NonFinite | null): string {
  if (counts === null) return '';
  const words: string[] = [];
  if (counts.nan) words.push(`NaN×${counts.nan}`);
  if (counts.posinf) words.push(`+Inf×${counts.posinf}`);
  if (counts.neginf) words.push(`-Inf×${counts.neginf}`);
  return words.join(' ');
}

/** The name a row shows inside its section: a parameter's path within its module. */
export function shortName(row: TensorRow): string {
  return row.group !== null && row.name.startsWith(`${row.group}.`) ? row.name.slice(row.group.length + 1) : row.name;
}

function matches(row: TensorRow, terms: string[]): boolean {
  if (terms.length === 0) return true;
  const text = `${row.name} ${row.summary} ${troubleWords(row.nonfinite)}`.toLowerCase();
  return terms.every(term => text.includes(term));
}

function countOf(counts: NonFinite | null): number {
  return counts === null ? 0 : counts.nan + counts.posinf + counts.neginf;
}

const comparators: Record<SortKey, (a: TensorRow, b: TensorRow) => number> = {
  name: () => 0,
  size: (a, b) => (b.numel ?? -1) - (a.numel ?? -1),
  type: (a, b) => byName.compare(`${a.dtype} ${a.device}`, `${b.dtype} ${b.device}`),
  trouble: (a, b) => Number(hasTrouble(b)) - Number(hasTrouble(a))
};
