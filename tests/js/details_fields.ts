import { afterAll, beforeAll } from 'vitest';

import type { GraphMemory } from '../../js_src/core/graph/memory';
import type { GraphBox, GraphModel } from '../../js_src/core/graph/model';
import { detailsOf } from '../../js_src/views/graph/details';

/** Just enough of a DOM for the details panel, which builds elements and sets their text. */
class FakeElement {
  children: FakeElement[] = [];
  className = '';
  textContent: string | null = null;
  constructor(readonly tagName: string) {}
  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }
}

/** Gives the suite that calls it a document that makes FakeElements, and puts the real one back after. */
export function useFakeDocument(): void {
  const realDocument = globalThis.document;
  beforeAll(() => {
    globalThis.document = { createElement: (tag: string) => new FakeElement(tag) } as unknown as Document;
  });
  afterAll(() => {
    globalThis.document = realDocument;
  });
}

/** The details panel of a box as label → text, read from the elements it made (under useFakeDocument). */
export function detailFields(model: GraphModel, box: GraphBox, memory: GraphMemory | null = null): Map<string, string> {
  const lists = detailsOf(model, box, null, memory) as unknown as FakeElement[];
  const fields = new Map<string, string>();
  for (const list of lists.filter(element => element.tagName === 'dl')) {
    for (let index = 0; index < list.children.length; index += 2) {
      fields.set(list.children[index].textContent!, list.children[index + 1].textContent!);
    }
  }
  return fields;
}
