// Users: agents (who is available, how many chats each serves, refreshed on an interval) and managers;
// add an existing user by username, create a new one, or take the role away.

import { fill, h } from '../../shared/dom.js';
import {
  actions, badge, card, check, confirmButton, field, form, note, showError, submit, table, text,
} from '../ui.js';

const REFRESH_MS = 5000; // availability changes while the manager watches; a few seconds late is fine
const KINDS = {
  agent: { title: 'Agents', role: 'livechat-agent', noun: 'agent' },
  manager: { title: 'Managers', role: 'livechat-manager', noun: 'manager' },
};

function email(user) {
  return (user.emails && user.emails[0] && user.emails[0].address) || '';
}

// What changes while the page is open: these cells are redrawn in place on every refresh.
const LIVE_COLUMNS = [
  ['Status', (u) => (u.statusLivechat === 'available' ? badge('Available', 'ok') : badge('Not available'))],
  ['Chats now', (u) => String(u.livechatCount || 0)],
];

function columns(kind, remove) {
  return [['Name', (u) => u.name || u.username], ['Username', (u) => u.username], ['Email', email],
    ...(kind === 'agent' ? LIVE_COLUMNS : []),
    ['', (u) => confirmButton('Remove', () => remove(u), u.username)]];
}

class UserList {
  constructor(rest, kind, onChange) {
    this.rest = rest;
    this.kind = kind;
    this.onChange = onChange;
    this.list = h('div', { id: `${kind}-list` });
    this.updated = h('small', { class: 'hint' });
    this.addForm = form({ class: 'inline', id: `add-${kind}-form` }, async (el) => {
      const username = el.elements.username.value.trim();
      await rest.post(`livechat/users/${kind}`, { username });
      el.elements.username.value = '';
      await this.onChange();
      return `${username} is now ${KINDS[kind].noun === 'agent' ? 'an agent' : 'a manager'}.`;
    }, field(`Add an existing user as ${KINDS[kind].noun}`, text('username', '', { placeholder: 'username' })),
    actions(submit(`Add ${KINDS[kind].noun}`)));
  }

  async refresh() {
    const { users } = await this.rest.get(`livechat/users/${this.kind}`);
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    const ids = users.map((u) => u._id).join(' ');
    if (ids === this.shown) { // same people: only their availability and load change, focus stays put
      users.forEach((u, i) => this.patch(this.list.querySelectorAll('tbody tr')[i], u));
      return;
    }
    this.shown = ids;
    const remove = async (user) => {
      try {
        await this.rest.delete(`livechat/users/${this.kind}/${encodeURIComponent(user._id)}`);
        await this.onChange();
      } catch (err) {
        showError(this.addForm, err);
      }
    };
    fill(this.list, table(columns(this.kind, remove), users, {
      empty: `No ${KINDS[this.kind].noun}s yet.`, rowAttrs: (u) => ({ dataset: { username: u.username } }),
    }));
  }

  patch(tr, user) {
    if (this.kind !== 'agent' || !tr) return;
    const cells = tr.querySelectorAll('td');
    const first = columns(this.kind, null).indexOf(LIVE_COLUMNS[0]);
    LIVE_COLUMNS.forEach(([, cell], i) => fill(cells[first + i], cell(user)));
  }

  element() {
    return card(KINDS[this.kind].title, this.kind === 'agent' ? this.updated : null, this.list, this.addForm);
  }
}

function createForm(rest, onCreated) {
  return form({ id: 'create-user-form', class: 'stack' }, async (el) => {
    const f = el.elements;
    const roles = Object.values(KINDS).filter((k) => f[k.role].checked).map((k) => k.role);
    const { user } = await rest.post('users.create', {
      username: f.username.value.trim(), name: f.name.value.trim(), email: f.email.value.trim(),
      password: f.password.value, roles,
    });
    el.reset();
    await onCreated();
    return `${user.username} created.`;
  },
  h('div', { class: 'row' },
    field('Username', text('username', '')),
    field('Name', text('name', '')),
    field('Email', text('email', '', { type: 'email' })),
    field('Password', text('password', '', { type: 'password', autocomplete: 'new-password' }))),
  h('div', { class: 'row checks' }, check('livechat-agent', true, 'Agent'), check('livechat-manager', false, 'Manager')),
  actions(submit('Create user')));
}

export default {
  id: 'users',
  title: 'Users',
  async render({ rest, every }) {
    const lists = {};
    const refreshAll = () => Promise.all(Object.values(lists).map((l) => l.refresh()));
    for (const kind of Object.keys(KINDS)) lists[kind] = new UserList(rest, kind, refreshAll);
    await refreshAll();
    every(REFRESH_MS, () => lists.agent.refresh().catch((err) => note(lists.agent.addForm, err.message)));
    return [lists.agent.element(), lists.manager.element(), card('Create a user', createForm(rest, refreshAll))];
  },
};
