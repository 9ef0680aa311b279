// Installation: the code site owners paste, for this server's public URL, plain and for Magento 2.

import { h } from '../../shared/dom.js';
import { card } from '../ui.js';

const COPIED_NOTE_MS = 3000;

function wrapped(code) {
  return `<script type="text/javascript">\n${code}\n</script>`;
}

/** Copy to the clipboard; where the Clipboard API is refused, select the text for Ctrl+C. */
async function copy(textValue, codeEl, status) {
  try {
    await navigator.clipboard.writeText(textValue);
    status.textContent = 'Copied to the clipboard.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(codeEl);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
  clearTimeout(status.timer);
  status.timer = setTimeout(() => { status.textContent = ''; }, COPIED_NOTE_MS);
}

function codeBlock(id, label, code) {
  const codeEl = h('code', {}, code);
  const status = h('span', { class: 'form-status', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary', id: `copy-${id}` }, `Copy ${label}`);
  button.addEventListener('click', () => copy(code, codeEl, status));
  return h('div', { class: 'snippet' }, h('pre', { id: `${id}-code`, tabindex: 0, 'aria-label': label }, codeEl),
    h('div', { class: 'actions' }, button, status));
}

export default {
  id: 'installation',
  title: 'Installation',
  async render({ rest }) {
    const { url, snippet, magento } = await rest.get('livechat/installation');
    const local = /^https?:\/\/(localhost|127\.|\[::1\])/.test(url);
    return [
      card('Any website',
        h('p', {}, 'Paste this code on every page of your site, just before ', h('code', {}, '</body>'),
          '. The chat button appears in the corner; it talks to ', h('strong', { id: 'public-url' }, url), '.'),
        local ? h('p', { class: 'warning', role: 'note' }, 'This address only works on this computer. Start the ',
          'server with LIVECHAT_PUBLIC_URL set to the address your visitors reach it at.') : null,
        codeBlock('snippet', 'installation code', wrapped(snippet)),
        h('p', { class: 'hint' }, 'WordPress: paste it in a "Custom HTML" widget in the footer, or in a plugin that ',
          'adds code before </body>.')),
      card('Magento 2',
        h('p', {}, 'Magento 2 loads scripts through RequireJS, so the code waits for it:'),
        codeBlock('magento', 'Magento 2 code', wrapped(magento)),
        h('ol', { class: 'steps' },
          h('li', {}, 'In the Magento admin, open Content ▸ Design ▸ Configuration.'),
          h('li', {}, 'Edit the store view (or the website) where the chat should appear.'),
          h('li', {}, 'Open HTML Head and paste the code in Scripts and Style Sheets ',
            '(or open Footer and paste it in Miscellaneous HTML).'),
          h('li', {}, 'Save Configuration, then refresh the caches in System ▸ Cache Management.'))),
    ];
  },
};
