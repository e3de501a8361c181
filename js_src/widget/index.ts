/**
 * The anywidget entry: feeds the `snapshot` trait of Python's `Inspector` to the inspector
 * view, lets the view ask the kernel for other slices, and removes its listeners and the view
 * when the output is cleared.
 */

import type { Render } from '@anywidget/types';

import { mountInspector } from '../views/inspector';
import type { InspectorModel } from './model';
import { previewRequester } from './requests';

const render: Render<InspectorModel> = ({ model, el }) => {
  const requester = previewRequester(model);
  const inspector = mountInspector(el, model.get('snapshot'), { requestPreview: requester.request });
  const onSnapshot = (): void => inspector.update(model.get('snapshot'));
  model.on('change:snapshot', onSnapshot);
  return () => {
    model.off('change:snapshot', onSnapshot);
    requester.dispose();
    inspector.destroy();
  };
};

export default { render };
