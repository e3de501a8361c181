/**
 * Which Jupyter widget models are alive in a notebook's kernel: the ones whose comm the
 * kernel opened since this page connected (seen on IOPub), and, for outputs older than that,
 * the ones the kernel lists when asked (`comm_info_request`, the protocol's own way, which
 * ipywidgets uses to restore widgets). A saved output whose model is in neither is a widget
 * that no longer exists: a reopened notebook, a restarted kernel.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel, KernelMessage } from '@jupyterlab/services';

const WIDGET_TARGET = 'jupyter.widget';

export class WidgetModels {
  private readonly opened = new Set<string>();
  private listed: Promise<ReadonlySet<string>> | null = null;
  private _isDisposed = false;

  constructor(private readonly sessionContext: ISessionContext) {
    sessionContext.iopubMessage.connect(this.onIopub, this);
    sessionContext.kernelChanged.connect(this.forget, this);
    sessionContext.statusChanged.connect(this.onStatus, this);
  }

  /** True when the kernel opened this model's comm while the page watched: no need to ask. */
  isKnownAlive(modelId: string): boolean {
    return this.opened.has(modelId);
  }

  /** Whether the model lives in the notebook's kernel now; false without a kernel. */
  async isAlive(modelId: string): Promise<boolean> {
    if (this.opened.has(modelId)) return true;
    await this.sessionContext.ready;
    const kernel = this.sessionContext.session?.kernel ?? null;
    if (kernel === null || this._isDisposed) return false;
    this.listed ??= listWidgetComms(kernel);
    return (await this.listed).has(modelId);
  }

  dispose(): void {
    this._isDisposed = true;
    this.sessionContext.iopubMessage.disconnect(this.onIopub, this);
    this.sessionContext.kernelChanged.disconnect(this.forget, this);
    this.sessionContext.statusChanged.disconnect(this.onStatus, this);
  }

  private onIopub(_: ISessionContext, message: KernelMessage.IMessage): void {
    const type = message.header.msg_type;
    if (type === 'comm_open') {
      const content = message.content as KernelMessage.ICommOpenMsg['content'];
      if (content.target_name === WIDGET_TARGET) this.opened.add(content.comm_id);
    } else if (type === 'comm_close') {
      this.opened.delete((message.content as KernelMessage.ICommCloseMsg['content']).comm_id);
    }
  }

  private onStatus(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') this.forget();
  }

  private forget(): void {
    this.opened.clear();
    this.listed = null;
  }
}

async function listWidgetComms(kernel: Kernel.IKernelConnection): Promise<ReadonlySet<string>> {
  try {
    const reply = await kernel.requestCommInfo({ target_name: WIDGET_TARGET });
    return reply.content.status === 'ok' ? new Set(Object.keys(reply.content.comms)) : new Set();
  } catch {
    return new Set();
  }
}
