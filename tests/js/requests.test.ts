import { afterEach, describe, expect, it, vi } from 'vitest';

import { kernelRequests } from '../../js_src/widget/requests';

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

describe('kernelRequests', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a request with an id and resolves with the reply and its buffer', async () => {
    const model = fakeModel();
    const requester = kernelRequests(model as never);
    const pending = requester.preview('values', [0, 1], [null, null, 2]);
    expect(model.sent).toEqual([{ kind: 'torchinspect:preview', id: 1, target: 'values', axes: [0, 1], index: [null, null, 2] }]);
    const buffer = new DataView(new Float32Array([1.5]).buffer);
    model.reply({ kind: 'torchinspect:preview', id: 1, preview }, [buffer]);
    await expect(pending).resolves.toEqual({ ...preview, data: buffer });
  });

  it('rejects with the kernel\'s own words on an error reply', async () => {
    const model = fakeModel();
    const pending = kernelRequests(model as never).preview('grad', null, []);
    model.reply({ kind: 'torchinspect:error', id: 1, message: 'torchinspect: the tensor has no grad now' });
    await expect(pending).rejects.toThrow('the tensor has no grad now');
  });

  it('ignores replies to other requests and other widgets', async () => {
    const model = fakeModel();
    const requester = kernelRequests(model as never);
    const first = requester.preview('values', null, []);
    const second = requester.preview('values', null, []);
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
    const pending = kernelRequests(model as never, 5000).preview('values', null, []);
    const check = expect(pending).rejects.toThrow('did not answer within 5 s');
    vi.advanceTimersByTime(5001);
    await check;
  });

  it('asks for a graph node\'s tensor and resolves with the snapshot the kernel sent', async () => {
    const model = fakeModel();
    const pending = kernelRequests(model as never).nodeTensor({ node: 'n3', op: 'MvBackward0', saved: 'self', name: null });
    expect(model.sent).toEqual([{ kind: 'torchinspect:node-tensor', node: 'n3', op: 'MvBackward0', saved: 'self', name: null, id: 1 }]);
    model.reply({ kind: 'torchinspect:node-tensor', id: 1, snapshot: { shape: [20, 20] } });
    await expect(pending).resolves.toEqual({ shape: [20, 20] });
  });

  it('does not take a preview reply for a node tensor', async () => {
    const model = fakeModel();
    const pending = kernelRequests(model as never).nodeTensor({ node: 't0', op: null, saved: null, name: 'y' });
    model.reply({ kind: 'torchinspect:preview', id: 1, preview }, [new DataView(new ArrayBuffer(4))]);
    await expect(pending).rejects.toThrow('a reply this page cannot read');
  });

  it('rejects what is pending and stops listening when disposed', async () => {
    const model = fakeModel();
    const requester = kernelRequests(model as never);
    const pending = requester.preview('values', null, []);
    requester.dispose();
    await expect(pending).rejects.toThrow('the inspector was closed');
    expect(model.listeners).toHaveLength(0);
  });
});
