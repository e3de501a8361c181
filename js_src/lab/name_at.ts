/**
 * The dotted name under the cursor in a cell's code, for "Inspect tensor": `x`, `x.grad`,
 * `model.0.weight`. The kernel looks the name up (it never evaluates it), so only names
 * are taken: an attribute of a call or an index (`f(x).grad`, `layers[0].weight`) is not one.
 */

const WORD = /[\p{L}\p{N}_]/u;
const DOTTED_NAME = /^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}\p{N}_]+)*$/u;

/**
 * The name ending with the word at `offset` (the cursor may sit just after it), with the
 * dotted words before it: on `grad` in `x.grad.sum()` it is `x.grad`. Null when the cursor
 * is on no name.
 */
export function nameAt(source: string, offset: number): string | null {
  let start = Math.max(0, Math.min(offset, source.length));
  let end = start;
  while (start > 0 && isWord(source[start - 1])) start -= 1;
  while (end < source.length && isWord(source[end])) end += 1;
  if (start === end) return null;
  while (start > 1 && source[start - 1] === '.' && isWord(source[start - 2])) {
    start -= 1;
    while (start > 0 && isWord(source[start - 1])) start -= 1;
  }
  if (start > 0 && source[start - 1] === '.') return null;
  return asName(source.slice(start, end));
}

/** The text as a dotted name, or null when it is not one (selected text, say). */
export function asName(text: string): string | null {
  const trimmed = text.trim();
  return DOTTED_NAME.test(trimmed) ? trimmed : null;
}

function isWord(char: string): boolean {
  return WORD.test(char);
}
