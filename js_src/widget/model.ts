/** The traits of `torchinspect.widget.Inspector` that sync with the page. */

import type { ComparisonSnapshot, GradientsSnapshot, GraphSnapshot, TensorSnapshot } from '../core/schema';

export interface InspectorModel {
  snapshot: TensorSnapshot;
  /** The backward graph behind the tensor; an empty object for a leaf. */
  graph: GraphSnapshot | Record<string, never>;
  /** The gradients recorded by the last backward() through that graph; an empty object until one ran. */
  gradients: GradientsSnapshot | Record<string, never>;
  /** Set by the page (or by the kernel, with superseded): while true, cells leave the inspector as it is. */
  paused: boolean;
  /** Whether cells refresh the inspector: true in IPython, false where no hook runs after a cell. */
  follows_cells: boolean;
  /** Set by the kernel once the tensor is freed. */
  gone: boolean;
  /** False where a refresh cannot see writes through `t.data` or shared NumPy memory. */
  sees_every_write: boolean;
  /** Set by the kernel: paused as of its cell, since a later cell showed new output. */
  superseded: boolean;
}

/** The traits of `torchinspect.widget.Comparison`. */
export interface ComparisonModel {
  comparison: ComparisonSnapshot;
}
