/**
 * The `torchinspect:commands` plugin: "Inspect tensor" (the name under the cursor, or under
 * the pointer when run from the context menu) and "Open Tensors sidebar", in the command
 * palette. Their context-menu items and keyboard shortcuts are declared in schema/commands.json,
 * where users can change them (Settings → Keyboard Shortcuts).
 */

import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { tensorIcon } from './icon';
import { asName, nameAt } from './name_at';
import { ITensorsSidebar } from './tokens';

export namespace CommandIDs {
  export const inspectTensor = 'torchinspect:inspect-tensor';
  export const openSidebar = 'torchinspect:open-sidebar';
}

const PALETTE_CATEGORY = 'Tensors';

interface Pointer {
  left: number;
  top: number;
  target: Element;
}

export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'torchinspect:commands',
  description: 'Commands of the Tensors sidebar: Inspect tensor, Open Tensors sidebar.',
  autoStart: true,
  requires: [ITensorsSidebar, INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, sidebar: ITensorsSidebar, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    // Right-clicking a cell leaves its cursor where it was: remember where the pointer was.
    let pointer: Pointer | null = null;
    document.addEventListener(
      'contextmenu',
      event => {
        pointer = { left: event.clientX, top: event.clientY, target: event.target as Element };
      },
      true
    );

    app.commands.addCommand(CommandIDs.inspectTensor, {
      label: 'Inspect tensor',
      caption: 'Open the inspector of the tensor named under the cursor, such as x, x.grad or model.0.weight',
      icon: tensorIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: args => {
        const name = typeof args.name === 'string' ? asName(args.name) : nameUnderCursor(tracker, args.atPointer === true ? pointer : null);
        if (name === null) {
          Notification.warning('Inspect tensor: put the cursor on the name of a tensor, such as x, x.grad or model.0.weight.', {
            autoClose: 6000
          });
          return;
        }
        sidebar.inspect(name);
      }
    });
    app.commands.addCommand(CommandIDs.openSidebar, {
      label: 'Open Tensors sidebar',
      caption: 'Show every tensor of the current notebook’s kernel',
      icon: tensorIcon,
      execute: () => sidebar.open()
    });
    for (const command of [CommandIDs.inspectTensor, CommandIDs.openSidebar]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }
  }
};

/** The name in the active cell at its cursor (or selection), or under the pointer in the cell it is over. */
function nameUnderCursor(tracker: INotebookTracker, pointer: Pointer | null): string | null {
  const notebook = tracker.currentWidget?.content;
  const pointed = pointer === null ? undefined : notebook?.widgets.find(cell => cell.node.contains(pointer.target));
  const cell = pointed ?? tracker.activeCell;
  const editor = cell?.editor;
  if (!editor) return null;
  const source = editor.model.sharedModel.getSource();
  if (pointed !== undefined && pointer !== null) {
    const { left, top } = pointer;
    const position = editor.getPositionForCoordinate({ left, top, right: left, bottom: top });
    return position === null ? null : nameAt(source, editor.getOffsetAt(position));
  }
  const { start, end } = editor.getSelection();
  const from = editor.getOffsetAt(start);
  const to = editor.getOffsetAt(end);
  if (from !== to) return asName(source.slice(Math.min(from, to), Math.max(from, to)));
  return nameAt(source, editor.getOffsetAt(editor.getCursorPosition()));
}
