/**
 * The `torchinspect:sidebar` plugin: puts the Tensors panel in the left sidebar, points it at
 * the current notebook's kernel (one connector per notebook, made when first needed), and
 * opens inspectors: beside the notebook in JupyterLab, in the right side panel in Notebook 7.
 */

import { ILabShell, ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';

import { tensorIcon } from './icon';
import { TensorInspectorPanel } from './inspector_panel';
import { TensorsPanel, type TensorsSource } from './sidebar';
import { TensorConnector } from './tensor_connector';
import { ITensorsSidebar } from './tokens';

export const SIDEBAR_ID = 'torchinspect-tensors';

export const sidebarPlugin: JupyterFrontEndPlugin<ITensorsSidebar> = {
  id: 'torchinspect:sidebar',
  description: 'The Tensors sidebar: every tensor of the current notebook’s kernel, and their inspectors.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILabShell, ILayoutRestorer],
  provides: ITensorsSidebar,
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, labShell: ILabShell | null, restorer: ILayoutRestorer | null) => {
    const connectors = new Map<NotebookPanel, TensorConnector>();
    const inspectors = new Map<string, TensorInspectorPanel>();

    const connectorOf = (notebook: NotebookPanel): TensorConnector => {
      let connector = connectors.get(notebook);
      if (connector === undefined) {
        connector = new TensorConnector(notebook.sessionContext);
        connectors.set(notebook, connector);
        notebook.disposed.connect(() => {
          connectors.get(notebook)?.dispose();
          connectors.delete(notebook);
        });
      }
      return connector;
    };
    const sourceOf = (notebook: NotebookPanel | null): TensorsSource | null =>
      notebook === null ? null : { connector: connectorOf(notebook), label: notebook.title.label };

    const openInspector = (name: string): void => {
      const notebook = tracker.currentWidget;
      if (notebook === null) {
        Notification.warning('Inspect tensor: open a notebook first; the tensor is looked up in its kernel.', { autoClose: 5000 });
        return;
      }
      const key = `${notebook.id}\u0000${name}`;
      let inspector = inspectors.get(key);
      if (inspector === undefined) {
        inspector = new TensorInspectorPanel(connectorOf(notebook), name, notebook.title.label);
        inspectors.set(key, inspector);
        inspector.disposed.connect(() => inspectors.delete(key));
        if (labShell !== null) {
          const neighbour = [...inspectors.values()].find(other => other !== inspector && other.isAttached);
          app.shell.add(inspector, 'main', neighbour ? { mode: 'tab-after', ref: neighbour.id } : { mode: 'split-right', ref: notebook.id });
        } else {
          app.shell.add(inspector, 'right', { rank: 1000 });
        }
      }
      app.shell.activateById(inspector.id);
    };

    const panel = new TensorsPanel({ openTensor: openInspector, shown: () => panel.setSource(sourceOf(tracker.currentWidget)) });
    panel.id = SIDEBAR_ID;
    panel.title.icon = tensorIcon;
    panel.title.caption = 'Tensors: every tensor of the current notebook’s kernel';
    // Notebook 7 heads its side panels with the label; JupyterLab's tabs show the icon.
    if (labShell === null) panel.title.label = 'Tensors';
    app.shell.add(panel, 'left', { rank: 700 });
    restorer?.add(panel, SIDEBAR_ID);

    const follow = (): void => {
      if (panel.isVisible) panel.setSource(sourceOf(tracker.currentWidget));
    };
    tracker.currentChanged.connect(follow);
    tracker.widgetUpdated.connect(follow);

    return {
      open: () => {
        app.shell.activateById(SIDEBAR_ID);
        follow();
      },
      inspect: openInspector
    };
  }
};
