/** Small DOM helpers shared by the views. */

/** A new element with a class and, set as text (never parsed as HTML), its content. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A button whose short text or glyph is explained by its label (tooltip and accessible name). */
export function labelledButton(text: string, label: string, className = 'torchinspect-graph-button'): HTMLButtonElement {
  const node = element('button', className, text);
  node.type = 'button';
  node.title = label;
  node.setAttribute('aria-label', label);
  return node;
}

/** One labelled button per entry of `specs` (its text and its label), under the same keys. */
export function labelledButtons<K extends string>(
  specs: Record<K, readonly [text: string, label: string]>,
  className?: string
): Record<K, HTMLButtonElement> {
  const entries = Object.entries(specs) as [K, readonly [string, string]][];
  return Object.fromEntries(entries.map(([key, [text, label]]) => [key, labelledButton(text, label, className)])) as Record<K, HTMLButtonElement>;
}
