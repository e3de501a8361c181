/**
 * What every view of a kernel-backed widget does as it opens and as it goes: listen to the
 * model's trait events, and tell the kernel that a view opened or closed (the kernel closes a
 * widget once no view of it is left: a replaced or cleared output).
 */

import type { AnyModel, Render } from '@anywidget/types';

import { Kind } from '../core/protocol';

/** Any widget's traits, as anywidget types them. */
type Traits = Parameters<Render>[0]['model'] extends AnyModel<infer T> ? T : never;

/** Listen to `events` (event name → listener) and say the view opened; the returned function undoes both. */
export function listen<T extends Traits>(model: AnyModel<T>, events: Readonly<Partial<Record<`change:${string & keyof T}`, () => void>>>): () => void {
  for (const [name, listener] of Object.entries(events) as [string, () => void][]) model.on(name, listener);
  model.send({ kind: Kind.View, open: true });
  return () => {
    model.send({ kind: Kind.View, open: false });
    for (const [name, listener] of Object.entries(events) as [string, () => void][]) model.off(name, listener);
  };
}
