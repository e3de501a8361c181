/** What the Tensors sidebar plugin provides to the other plugins (the commands). */

import { Token } from '@lumino/coreutils';

export interface ITensorsSidebar {
  /** Show the sidebar, listing the tensors of the current notebook's kernel. */
  open(): void;
  /** Open the inspector of a tensor of the current notebook's kernel, by its name. */
  inspect(name: string): void;
}

export const ITensorsSidebar = new Token<ITensorsSidebar>(
  'torchinspect:ITensorsSidebar',
  'The Tensors sidebar: the tensors of the current notebook’s kernel, and their inspectors.'
);
