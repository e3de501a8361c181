/** A button that copies text to the clipboard and says so, in every host. */

import { element } from '../dom';

export function copyButton(label: string, text: () => string): HTMLButtonElement {
  const button = element('button', 'torchinspect-button', label);
  button.type = 'button';
  button.addEventListener('click', () => {
    void copyText(text()).then(copied => {
      button.textContent = copied ? 'Copied' : 'Copy failed: select and copy by hand';
      setTimeout(() => (button.textContent = label), 1500);
    });
  });
  return button;
}

/**
 * The async clipboard where the page may use it; otherwise (an iframe without the
 * permission, an insecure origin) a selected, hidden textarea and the copy command.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = element('textarea', 'torchinspect-offscreen');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}
