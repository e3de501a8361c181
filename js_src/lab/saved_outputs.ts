/**
 * The `torchinspect:saved-outputs` plugin: a reopened notebook shows its inspector outputs as
 * static views instead of "Error displaying widget: model not found".
 *
 * An inspector's output carries the live widget's MIME type and, beside it, the snapshot
 * under the torchinspect MIME type (with the graph and its gradients under theirs); a
 * comparison's, the comparison under its own. JupyterLab draws the type whose renderer ranks first,
 * and in a notebook ipywidgets ranks its renderer above every other (-10), whether or not
 * the widget's model still exists; its renderer then has nothing to fall back on. So for each
 * notebook this plugin ranks, in that notebook's registry only, a renderer of the torchinspect
 * MIME types first (-20): the live widget's renderer when the widget's model lives in the
 * kernel, the static view otherwise. Other widgets' outputs are left to ipywidgets.
 */

import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import { Panel, type Widget } from '@lumino/widgets';

import { SAVED_MIME_TYPES, SnapshotRenderer } from './snapshot_renderer';
import { WidgetModels } from './widget_models';

const WIDGET_VIEW_MIME_TYPE = 'application/vnd.jupyter.widget-view+json';
/** Before ipywidgets' -10 in a notebook's registry. */
const SAVED_OUTPUT_RANK = -20;

/** Draws an inspector output live while its widget exists, and as the static view otherwise. */
class SavedOutputRenderer extends Panel implements IRenderMime.IRenderer {
  private shown: IRenderMime.IRenderer | null = null;
  /** The widget whose live view is shown, if one is. */
  private liveModelId: string | null = null;
  private rendered = 0;

  constructor(
    private readonly rendermime: IRenderMimeRegistry,
    private readonly models: WidgetModels
  ) {
    super();
    this.addClass('torchinspect-saved-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const mine = ++this.rendered;
    const modelId = (model.data[WIDGET_VIEW_MIME_TYPE] as { model_id?: unknown } | undefined)?.model_id;
    // An untrusted output never runs a widget: JupyterLab would not draw it either.
    if (typeof modelId !== 'string' || !model.trusted) return this.display(new SnapshotRenderer(), model);
    // The kernel brought the saved picture up to date (a watch after its cell): the live view follows the widget already.
    if (modelId === this.liveModelId) return;
    if (this.models.isKnownAlive(modelId) && this.hasWidgetRenderer()) {
      return this.display(this.rendermime.createRenderer(WIDGET_VIEW_MIME_TYPE), model, modelId);
    }
    // Asking the kernel may wait for it to start: show the snapshot meanwhile.
    await this.display(new SnapshotRenderer(), model);
    const alive = await this.models.isAlive(modelId);
    if (alive && mine === this.rendered && !this.isDisposed && this.hasWidgetRenderer()) {
      await this.display(this.rendermime.createRenderer(WIDGET_VIEW_MIME_TYPE), model, modelId);
    }
  }

  /** ipywidgets adds its renderer to a notebook's registry once the kernel is known. */
  private hasWidgetRenderer(): boolean {
    return this.rendermime.getFactory(WIDGET_VIEW_MIME_TYPE) !== undefined;
  }

  private async display(renderer: IRenderMime.IRenderer, model: IRenderMime.IMimeModel, liveModelId: string | null = null): Promise<void> {
    (this.shown as Widget | null)?.dispose();
    this.shown = renderer;
    this.liveModelId = liveModelId;
    this.addWidget(renderer);
    await renderer.renderModel(model);
  }
}

class SavedOutputsExtension implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  createNew(panel: NotebookPanel, context: DocumentRegistry.IContext<INotebookModel>): IDisposable {
    const models = new WidgetModels(context.sessionContext);
    const rendermime = panel.content.rendermime;
    rendermime.addFactory(
      {
        safe: true,
        mimeTypes: SAVED_MIME_TYPES,
        defaultRank: SAVED_OUTPUT_RANK,
        createRenderer: () => new SavedOutputRenderer(rendermime, models)
      },
      SAVED_OUTPUT_RANK
    );
    return new DisposableDelegate(() => models.dispose());
  }
}

export const savedOutputsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'torchinspect:saved-outputs',
  description: 'Shows saved inspector outputs as static views when their live widget is gone.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    app.docRegistry.addWidgetExtension('Notebook', new SavedOutputsExtension());
  }
};
