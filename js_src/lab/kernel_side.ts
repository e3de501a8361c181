/**
 * Where a connector stands with its kernel, in words, and the one step that starts the kernel
 * side: the silent import, whose reply says whether torchinspect is there at all.
 */

import type { Kernel } from '@jupyterlab/services';

import { SILENT_IMPORT } from '../core/protocol';

export type ConnectorState =
  | { kind: 'waiting'; message: string }
  | { kind: 'no-kernel' }
  | { kind: 'unsupported'; language: string }
  | { kind: 'missing'; detail: string }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; version: string };

/**
 * Run the silent import in the kernel. Null when it worked; otherwise the state that says
 * why not, read from the reply's fields (never from its printed text).
 */
export async function importKernelSide(kernel: Kernel.IKernelConnection): Promise<ConnectorState | null> {
  const future = kernel.requestExecute({ code: SILENT_IMPORT, silent: true, store_history: false, allow_stdin: false, stop_on_error: false });
  const { content } = await future.done;
  if (content.status === 'ok') return null;
  if (content.status !== 'error') {
    return { kind: 'failed', message: 'The kernel did not run the import of torchinspect (it was interrupted).' };
  }
  if (content.ename === 'ModuleNotFoundError' || content.ename === 'ImportError') {
    return { kind: 'missing', detail: `${content.ename}: ${content.evalue}` };
  }
  return { kind: 'failed', message: `The kernel could not start torchinspect: ${content.ename}: ${content.evalue}` };
}

/** What a connection that cannot list tensors now says, in a sentence. */
export function describeState(state: ConnectorState): string {
  switch (state.kind) {
    case 'waiting':
      return state.message;
    case 'no-kernel':
      return 'This notebook has no kernel. Select a Python kernel to see its tensors.';
    case 'unsupported':
      return `The Tensors sidebar works with Python kernels; this one runs ${state.language}.`;
    case 'missing':
      return 'torchinspect is not installed where this kernel runs.';
    case 'failed':
      return state.message;
    case 'ready':
      return `Connected to torchinspect ${state.version} in the kernel.`;
  }
}
