/**
 * A comparison: assert_close's verdict in words, then the two tensors and their difference,
 * each with its statistics, histogram and heatmap.
 */

import { formatNumber } from '../../core/numbers';
import { parseTensorSnapshot, type ComparisonSnapshot } from '../../core/schema';
import { element } from '../dom';
import { mountTensorPanel, type TensorPanel } from './panel';
import type { View } from '../view';

export function mountComparison(el: HTMLElement, data: ComparisonSnapshot): View<ComparisonSnapshot> {
  const root = element('section', 'torchinspect torchinspect-comparison');
  root.setAttribute('aria-label', 'comparison of two tensors');
  el.appendChild(root);
  let panels: TensorPanel[] = [];

  const update = (next: ComparisonSnapshot): void => {
    panels.forEach(panel => panel.destroy());
    const row = element('div', 'torchinspect-panels');
    root.replaceChildren(verdictLine(next), errorLine(next), row);
    panels = [
      mountTensorPanel(row, 'actual', parseTensorSnapshot(next.actual), 'actual'),
      mountTensorPanel(row, 'expected', parseTensorSnapshot(next.expected), 'expected')
    ];
    if (next.difference !== null) {
      panels.push(mountTensorPanel(row, 'difference', parseTensorSnapshot(next.difference), 'difference'));
    }
  };
  update(data);
  return {
    update,
    destroy() {
      panels.forEach(panel => panel.destroy());
      root.remove();
    }
  };
}

function verdictLine(data: ComparisonSnapshot): HTMLElement {
  const verdict = data.verdict;
  const line = element('header', `torchinspect-summary torchinspect-verdict ${verdict.passed ? 'is-close' : 'is-not-close'}`);
  line.textContent = verdict.passed
    ? `✓ close: torch.testing.assert_close passes (rtol=${formatNumber(verdict.rtol)}, atol=${formatNumber(verdict.atol)})`
    : `✗ not close: ${(verdict.message ?? '').split('\n')[0]}`;
  return line;
}

function errorLine(data: ComparisonSnapshot): HTMLElement {
  const v = data.verdict;
  if (v.max_abs_error === null) return element('p', 'torchinspect-note', v.message ?? '');
  return element(
    'p',
    'torchinspect-note torchinspect-errors',
    `greatest absolute difference ${formatError(v.max_abs_error)} (up to ${formatNumber(v.atol)} + ${formatNumber(v.rtol)}·|expected| allowed), ` +
      `greatest relative difference ${formatError(v.max_rel_error ?? 0)}; ` +
      `${v.mismatched} of ${v.total} elements out of tolerance`
  );
}

/** A difference as assert_close prints it: a number, or "inf" where the expected value is 0. */
function formatError(value: number | string): string {
  return typeof value === 'string' ? value : formatNumber(value);
}
