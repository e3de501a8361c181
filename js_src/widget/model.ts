/** The traits of `torchinspect.widget.Inspector` that sync with the page. */

import type { TensorSnapshot } from '../core/schema';

export interface InspectorModel {
  snapshot: TensorSnapshot;
}
