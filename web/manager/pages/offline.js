// Offline messages: what visitors left while nobody was online, newest first.

import { fill, h } from '../../shared/dom.js';
import { button, card, table, when } from '../ui.js';

const PAGE_SIZE = 50;

export default {
  id: 'offline',
  title: 'Offline messages',
  async render({ rest, current }) {
    const { departments } = await rest.get('livechat/department');
    const departmentName = new Map(departments.map((d) => [d._id, d.name]));
    const listEl = h('div', { id: 'offline-list' });
    const more = h('div');
    let rows = [];

    async function load(offset) {
      const answer = await rest.get('livechat/offline.messages', { offset, count: PAGE_SIZE });
      if (!current()) return;
      rows = offset ? [...rows, ...answer.messages] : answer.messages;
      fill(listEl, table([
        ['Received', (m) => when(m.ts)],
        ['Name', (m) => m.name],
        ['Email', (m) => h('a', { href: `mailto:${encodeURIComponent(m.email)}` }, m.email)],
        ['Department', (m) => (m.department ? departmentName.get(m.department) || '' : '—')],
        ['Page', (m) => m.host || ''],
        ['Message', (m) => h('span', { class: 'message-text' }, m.message)],
      ], rows, { empty: 'No offline messages.', rowAttrs: (m) => ({ dataset: { id: m._id } }) }));
      const next = offset + answer.count;
      fill(more, next < answer.total ? button('Load more', () => load(next)) : null);
    }

    await load(0);
    return card(null, h('p', { class: 'hint' }, 'Offline messages are also emailed (Settings) and sent as webhooks ',
      '(Webhooks) when those are set up.'), listEl, more);
  },
};
