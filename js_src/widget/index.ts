/**
 * The anywidget entry: feeds the `snapshot` trait of Python's `Inspector` to the
 * card view, and removes its listener and the view when the output is cleared.
 */

import type { Render } from '@anywidget/types';

import type { TensorSnapshot } from '../core/schema';
import { mountCard } from '../views/card';

/** The traits of `torchinspect.widget.Inspector` that sync with the page. */
export interface InspectorModel {
  snapshot: TensorSnapshot;
}

const render: Render<InspectorModel> = ({ model, el }) => {
  const card = mountCard(el, model.get('snapshot'));
  const onSnapshot = (): void => card.update(model.get('snapshot'));
  model.on('change:snapshot', onSnapshot);
  return () => {
    model.off('change:snapshot', onSnapshot);
    card.destroy();
  };
};

export default { render };
