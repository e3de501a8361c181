/**
 * The JupyterLab (and Notebook 7) extension, one plugin per concern:
 *
 * - `torchinspect:sidebar`: the Tensors sidebar and the inspectors it opens (sidebar_plugin.ts);
 * - `torchinspect:commands`: Inspect tensor, Open Tensors sidebar (commands.ts);
 * - `torchinspect:saved-outputs`: saved inspector outputs drawn as static views once their
 *   widget is gone (saved_outputs.ts);
 * - `torchinspect:snapshot-renderer`, the MIME renderer of stored snapshots, is the package's
 *   mimeExtension (mime.ts).
 */

import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { commandsPlugin } from './commands';
import { savedOutputsPlugin } from './saved_outputs';
import { sidebarPlugin } from './sidebar_plugin';

const plugins: JupyterFrontEndPlugin<unknown>[] = [sidebarPlugin, commandsPlugin, savedOutputsPlugin];

export default plugins;
