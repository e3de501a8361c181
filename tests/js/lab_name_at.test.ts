import { describe, expect, it } from 'vitest';

import { asName, nameAt } from '../../js_src/lab/name_at';

/** The name at the `|` in `code`. */
const at = (code: string) => nameAt(code.replace('|', ''), code.indexOf('|'));

describe('the name under the cursor', () => {
  it('is the variable, inside it or just after it', () => {
    expect(at('inspect(|x)')).toBe('x');
    expect(at('inspect(x|)')).toBe('x');
    expect(at('y = 0.5 * torch.dot(x, A|)')).toBe('A');
  });

  it('takes the dotted words before the word, not those after it', () => {
    expect(at('x.gr|ad.sum()')).toBe('x.grad');
    expect(at('|x.grad.sum()')).toBe('x');
    expect(at('model.0.wei|ght')).toBe('model.0.weight');
  });

  it('is no name on punctuation, numbers, or attributes of calls and indexes', () => {
    expect(at('x + | y')).toBeNull();
    expect(at('1.|5')).toBeNull();
    expect(at('f(x).gr|ad')).toBeNull();
    expect(at('layers[0].wei|ght')).toBeNull();
  });

  it('reads names in any script', () => {
    expect(at('Δ|x = 1')).toBe('Δx');
  });

  it('takes a selection only when it is a name', () => {
    expect(asName(' model.0.weight ')).toBe('model.0.weight');
    expect(asName('x + y')).toBeNull();
    expect(asName("__import__('os')")).toBeNull();
  });
});
