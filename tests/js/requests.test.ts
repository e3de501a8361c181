import { afterEach, describe, expect, it, vi } from 'vitest';

import { previewRequester } from '../../js_src/widget/requests';

type Listener = (content: unknown, buffers?: DataView[]) => void;

function fakeModel() {
  const listeners: Listener[] = [];
  const sent: Record<string, unknown>[] = [];
  return {
    sent,
    listeners,
    reply(content: unknown, buffers: DataView[] = []) {
      listeners.forEach(listener => listener(content, buffers));
    },
    on: (_event: string, listener: Listener) => listeners.push(listener),
    off: (_event: string, listener: Listener) => listeners.splice(listeners.indexOf(listener), 1),
    send: (content: Record<string, unknown>) => sent.push(content),
    get: () => undefined
  };
}

const preview = { of: 'values', axes: [0, 1], index: [null, null, 2], shape: [1, 1], block: [1, 1], dtype: 'float32' };

describe('previewRequester', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a request with an id and resolves with the reply and its buffer', async () => {
    const model = fakeModel();
    const requester = previewRequester(model as never);
    const pending = requester.request('values', [0, 1], [null, null, 2]);
    expect(model.sent).toEqual([{ kind: 'torchinspect:preview', id: 1, target: 'values', axes: [0, 1], index: [null, null, 2] }]);
    const buffer = new DataView(new Float32Array([1.5]).buffer);
    model.reply({ kind: 'torchinspect:preview', id: 1, preview }, [buffer]);
    await expect(pending).resolves.toEqual({ ...preview, data: buffer });
  });

  it('rejects with the kernel\'s own words on an error reply', async () => {
    const model = fakeModel();
    const pending = previewRequester(model as never).request('grad', null, []);
    model.reply({ kind: 'torchinspect:error', id: 1, message: 'torchinspect: the tensor has no grad now' });
    await expect(pending).rejects.toThrow('the tensor has no grad now');
  });

  it('ignores replies to other requests and other widgets', async () => {
    const model = fakeModel();
    const requester = previewRequester(model as never);
    const first = requester.request('values', null, []);
    const second = requester.request('values', null, []);
    model.reply({ kind: 'torchinspect:preview', id: 99, preview }, [new DataView(new ArrayBuffer(4))]);
    model.reply({ something: 'else' });
    model.reply({ kind: 'torchinspect:error', id: 2, message: 'second failed' });
    await expect(second).rejects.toThrow('second failed');
    model.reply({ kind: 'torchinspect:error', id: 1, message: 'first failed' });
    await expect(first).rejects.toThrow('first failed');
  });

  it('gives up after the timeout instead of waiting forever', async () => {
    vi.useFakeTimers();
    const model = fakeModel();
    const pending = previewRequester(model as never, 5000).request('values', null, []);
    const check = expect(pending).rejects.toThrow('did not answer within 5 s');
    vi.advanceTimersByTime(5001);
    await check;
  });

  it('rejects what is pending and stops listening when disposed', async () => {
    const model = fakeModel();
    const requester = previewRequester(model as never);
    const pending = requester.request('values', null, []);
    requester.dispose();
    await expect(pending).rejects.toThrow('the inspector was closed');
    expect(model.listeners).toHaveLength(0);
  });
});
