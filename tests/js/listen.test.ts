import { describe, expect, it } from 'vitest';

import { Kind } from '../../js_src/core/protocol';
import { listen } from '../../js_src/widget/listen';

/** A widget model that keeps its listeners per event and what it sent, as anywidget's does. */
function fakeModel() {
  const listeners = new Map<string, (() => void)[]>();
  const sent: unknown[] = [];
  return {
    sent,
    listeners,
    fire: (event: string) => listeners.get(event)?.forEach(listener => listener()),
    on: (event: string, listener: () => void) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    off: (event: string, listener: () => void) => listeners.set(event, (listeners.get(event) ?? []).filter(l => l !== listener)),
    send: (content: unknown) => sent.push(content)
  };
}

describe('listen', () => {
  it('calls each listener on its trait, says the view opened, and undoes both when the view goes', () => {
    const model = fakeModel();
    const calls: string[] = [];
    const stop = listen(model as never, { 'change:model': () => calls.push('model'), 'change:paused': () => calls.push('paused') });
    expect(model.sent).toEqual([{ kind: Kind.View, open: true }]);
    model.fire('change:paused');
    model.fire('change:model');
    expect(calls).toEqual(['paused', 'model']);
    stop();
    model.fire('change:model');
    expect(calls).toEqual(['paused', 'model']);
    expect(model.sent).toEqual([
      { kind: Kind.View, open: true },
      { kind: Kind.View, open: false }
    ]);
    expect([...model.listeners.values()].flat()).toEqual([]);
  });
});
