// Chats: every chat, filtered by state, agent, department and date, and any chat's transcript.

import { fill, h } from '../../shared/dom.js';
import { actions, badge, button, card, choice, field, form, submit, table, text, when } from '../ui.js';

const PAGE_SIZE = 50;
const HISTORY_LIMIT = 500; // a transcript shows up to this many messages
const STATES = [['', 'All'], ['open', 'Open (queued or taken)'], ['queued', 'Queued'], ['taken', 'Being served'],
  ['closed', 'Closed']];

/** The query for livechat/rooms; `queued` and `taken` are open chats, told apart here. */
function query(f, offset) {
  const q = { count: PAGE_SIZE, offset };
  const state = f.state.value;
  if (state === 'closed') q.open = 'false';
  else if (state) q.open = 'true';
  if (f.agent.value) q['agents[]'] = [f.agent.value];
  if (f.department.value) q.departmentId = f.department.value;
  if (f.from.value || f.to.value) {
    q.createdAt = JSON.stringify({
      start: f.from.value ? new Date(`${f.from.value}T00:00:00`).toISOString() : undefined,
      end: f.to.value ? new Date(`${f.to.value}T23:59:59.999`).toISOString() : undefined,
    });
  }
  return q;
}

function stateBadge(room) {
  if (!room.open) return badge('Closed');
  return room.status === 'queued' ? badge('Queued', 'warn') : badge('Being served', 'ok');
}

function byVisitor(room, m) {
  return !!m.token || (!!m.u && !!room.v && m.u._id === room.v._id);
}

/** Who served the chat: its agent, or for a closed chat (which no longer names one) whoever answered. */
function agentsOf(room, messages, agentName) {
  if (room.servedBy) return agentName.get(room.servedBy._id) || room.servedBy.username || room.servedBy._id;
  const answered = messages.filter((m) => !m.t && !byVisitor(room, m) && m.u).map((m) => m.u.name || m.u.username);
  return [...new Set(answered)].join(', ') || '—';
}

function closedBy(room, agentName) {
  if (room.closer === 'visitor') return 'the visitor';
  const who = room.closedBy && agentName.get(room.closedBy._id);
  return who || (room.closer === 'user' ? 'an agent or manager' : room.closer || 'Livechat');
}

function transcript(info, messages, agentName) {
  const { room, visitor } = info;
  const person = (m) => (m.u && (m.u.name || m.u.username)) || '';
  return [
    h('h3', {}, `Chat #${room.code} with ${room.fname}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Visitor'), h('dd', {}, [visitor && visitor.name, visitor && visitor.visitorEmails
        && visitor.visitorEmails[0] && visitor.visitorEmails[0].address].filter(Boolean).join(' · ') || room.fname),
      h('dt', {}, 'Agent'), h('dd', {}, agentsOf(room, messages, agentName)),
      h('dt', {}, 'Started'), h('dd', {}, when(room.ts)),
      room.closedAt ? [h('dt', {}, 'Closed'), h('dd', {}, `${when(room.closedAt)} by ${closedBy(room, agentName)}`)]
        : null,
      room.comment ? [h('dt', {}, 'Closing comment'), h('dd', {}, room.comment)] : null,
      room.tags && room.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, room.tags.join(', '))] : null),
    h('ol', { class: 'transcript', id: 'transcript' }, messages.length ? messages.map((m) => h('li', {
      class: `line ${m.t ? 'system' : byVisitor(room, m) ? 'visitor' : 'agent'}`,
    }, h('span', { class: 'who' }, m.t ? '' : person(m)), h('span', { class: 'text' }, m.msg),
    h('time', { datetime: m.ts }, when(m.ts)))) : h('li', { class: 'hint' }, 'No messages.')),
  ];
}

export default {
  id: 'chats',
  title: 'Chats',
  async render({ rest, current }) {
    const [{ users: agents }, { departments }] = await Promise.all([
      rest.get('livechat/users/agent'), rest.get('livechat/department')]);
    const agentName = new Map(agents.map((a) => [a._id, a.name || a.username]));
    const departmentName = new Map(departments.map((d) => [d._id, d.name]));
    const listEl = h('div', { id: 'chat-list' });
    const more = h('div');
    const detail = h('div', { id: 'chat-detail' });
    let rows = [];

    const open = async (room) => {
      const [info, { messages }] = await Promise.all([
        rest.get('livechat/room.info', { rid: room._id }),
        rest.get(`livechat/messages.history/${encodeURIComponent(room._id)}`, { limit: HISTORY_LIMIT })]);
      if (!current()) return;
      fill(detail, transcript(info, messages.slice().reverse(), agentName));
      detail.querySelector('h3').setAttribute('tabindex', '-1');
      detail.querySelector('h3').focus();
    };

    const filters = form({ id: 'chat-filters', class: 'filters' }, async (el) => load(el, 0),
      field('State', choice('state', STATES, '')),
      field('Agent', choice('agent', [['', 'Any agent'], ...agents.map((a) => [a._id, a.name || a.username])], '')),
      field('Department', choice('department', [['', 'Any department'],
        ...departments.map((d) => [d._id, d.name])], '')),
      field('Started from', text('from', '', { type: 'date' })),
      field('to', text('to', '', { type: 'date' })),
      actions(submit('Filter')));

    async function load(el, offset) {
      const answer = await rest.get('livechat/rooms', query(el.elements, offset));
      if (!current()) return `${answer.total} chats`;
      const state = el.elements.state.value;
      const found = answer.rooms.filter((r) => !['queued', 'taken'].includes(state) || r.status === state);
      rows = offset ? [...rows, ...found] : found;
      fill(listEl, table([
        ['#', (r) => String(r.code)],
        ['Visitor', (r) => r.fname],
        ['State', stateBadge],
        ['Agent', (r) => (r.servedBy ? agentName.get(r.servedBy._id) || r.servedBy.username || '' : '—')],
        ['Department', (r) => (r.departmentId ? departmentName.get(r.departmentId) || '' : '—')],
        ['Started', (r) => when(r.ts)],
        ['Messages', (r) => String(r.msgs)],
        ['', (r) => button('Transcript', () => open(r))],
      ], rows, { empty: 'No chats match.', rowAttrs: (r) => ({ dataset: { rid: r._id } }) }));
      const next = offset + answer.count;
      fill(more, next < answer.total ? button('Load more', () => load(el, next)) : null);
      return `${answer.total} chat${answer.total === 1 ? '' : 's'}`;
    }

    await load(filters, 0);
    return [card(null, filters, listEl, more), card(null, detail)];
  },
};
