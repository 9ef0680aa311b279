// The visitor panel: who the agent is talking to, their custom fields and the pages they saw.

import { h } from '../shared/dom.js';

function rows(pairs) {
  const shown = pairs.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return shown.length ? h('dl', {}, shown.map(([label, value]) => [h('dt', {}, label), h('dd', {}, String(value))]))
    : h('p', { class: 'muted' }, 'Nothing yet.');
}

function pageOf(entry) {
  const page = entry.navigation ? entry.navigation.page : entry.page || entry;
  const href = (page && page.location && page.location.href) || (page && page.href) || '';
  return { title: (page && page.title) || href, href };
}

/** `pages`: navigation entries from the room/visitor or from navigation-history messages. */
export function visitorPanel({ room, visitor, departments, pages }) {
  if (!room) return [];
  const v = visitor || {};
  const email = v.visitorEmails && v.visitorEmails[0] ? v.visitorEmails[0].address : '';
  const phone = v.phone && v.phone[0] ? v.phone[0].phoneNumber : '';
  const department = room.departmentId ? (departments.get(room.departmentId) || room.departmentId) : '';
  const custom = { ...(v.livechatData || {}), ...(room.livechatData || {}) };
  const visited = pages.map(pageOf).filter((p) => p.href);
  return [
    h('h3', {}, 'Visitor'),
    rows([['Name', v.name || room.fname], ['Username', v.username], ['Email', email], ['Phone', phone],
      ['Department', department], ['Chat', room.code ? `#${room.code}` : ''], ['Since', room.ts &&
        new Date(room.ts).toLocaleString()]]),
    h('h3', {}, 'Custom fields'),
    rows(Object.entries(custom)),
    h('h3', {}, 'Pages visited'),
    visited.length
      ? h('ul', { class: 'pages' }, visited.map((p) => h('li', {}, h('a', {
        href: /^https?:/i.test(p.href) ? p.href : '#', target: '_blank', rel: 'noopener noreferrer',
      }, p.title))))
      : h('p', { class: 'muted' }, 'None recorded.'),
  ];
}
