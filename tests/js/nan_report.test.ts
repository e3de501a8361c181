import { describe, expect, it } from 'vitest';

import { operandCaption, parseNanReport } from '../../js_src/core/nan/report';

describe('the find_nan report', () => {
  it('accepts a report by its schema tag and refuses anything else in words', () => {
    const report = { schema: 'torchinspect.nan/1', found: false, checked_ops: 3, sentence: 'no NaN', sentence_parts: [['no NaN', false]] };
    expect(parseNanReport(report).checked_ops).toBe(3);
    expect(() => parseNanReport({ schema: 'torchinspect.tensor/1' })).toThrow(/^torchinspect: expected a find_nan report \(torchinspect.nan\/1\), got torchinspect.tensor\/1/);
    expect(() => parseNanReport(null)).toThrow(/got object/);
  });

  it('captions a tensor with its user name and its value at the first bad element', () => {
    expect(operandCaption('input', 'self', 'x', [1, 3], -0.37123)).toBe('input self (x) · at [1, 3]: -0.3712');
    expect(operandCaption('input', 'other', null, [0], 0)).toBe('input other · at [0]: 0');
    expect(operandCaption('output', 'log', null, [2], 'nan')).toBe('output log · at [2]: nan');
    expect(operandCaption('input', 'mat2', 'mat2', [0, 0], null)).toBe('input mat2');
  });
});
