/** The anywidget entry's part for `torchinspect.find_nan`'s report: its `nan_report` trait, drawn by the report view. */

import type { Render } from '@anywidget/types';

import type { NanReport } from '../core/nan/report';
import { mountNanReport } from '../views/nan/report_view';

/** The traits of `torchinspect.nan.widget.NanReportWidget`. */
export interface NanReportModel {
  nan_report: NanReport;
}

export const renderNanReport: Render<NanReportModel> = ({ model, el }) => {
  const view = mountNanReport(el, model.get('nan_report'));
  const onChange = (): void => view.update(model.get('nan_report'));
  model.on('change:nan_report', onChange);
  return () => {
    model.off('change:nan_report', onChange);
    view.destroy();
  };
};
