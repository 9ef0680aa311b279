// Departments: create, edit, delete; who serves each; where visitors see it; closing requirements.

import { fill, h } from '../../shared/dom.js';
import {
  actions, button, card, check, confirmButton, field, form, intValue, note, number, showError, submit, table, text, yesNo,
} from '../ui.js';

const BLANK = {
  name: '', description: '', enabled: true, showOnRegistration: true, showOnOfflineForm: true, email: '',
  requestTagBeforeClosingChat: false, chatClosingTags: [], requestCommentBeforeClosingChat: false,
  maxNumberSimultaneousChat: 0,
};

function tags(value) {
  return value.split(',').map((t) => t.trim()).filter(Boolean);
}

function agentPicker(agents, chosen) {
  if (!agents.length) return h('p', { class: 'hint' }, 'No agents yet: add them on the Users page.');
  return h('fieldset', { class: 'agents' }, h('legend', {}, 'Agents serving this department'),
    agents.map((a) => check(`agent:${a._id}`, chosen.has(a._id), `${a.name || a.username} (${a.username})`)));
}

function departmentForm(rest, agents, found, done) {
  const d = { ...BLANK, ...(found ? found.department : {}) };
  const chosen = new Set(found ? found.agents.map((a) => a.agentId) : []);
  const editing = !!found;
  return form({ id: 'department-form', class: 'stack' }, async (el) => {
    const f = el.elements;
    const body = {
      department: {
        name: f['department.name'].value.trim(), description: f['department.description'].value,
        enabled: f['department.enabled'].checked, showOnRegistration: f['department.showOnRegistration'].checked,
        showOnOfflineForm: f['department.showOnOfflineForm'].checked, email: f['department.email'].value.trim(),
        requestTagBeforeClosingChat: f['department.requestTagBeforeClosingChat'].checked,
        chatClosingTags: tags(f['department.chatClosingTags'].value),
        requestCommentBeforeClosingChat: f['department.requestCommentBeforeClosingChat'].checked,
        maxNumberSimultaneousChat: intValue(f['department.maxNumberSimultaneousChat']),
      },
      agents: agents.filter((a) => f[`agent:${a._id}`].checked).map((a) => ({ agentId: a._id })),
    };
    if (editing) await rest.put(`livechat/department/${encodeURIComponent(d._id)}`, body);
    else await rest.post('livechat/department', body);
    await done(`${body.department.name} ${editing ? 'saved' : 'created'}.`);
  },
  h('h3', {}, editing ? `Edit ${d.name}` : 'New department'),
  h('div', { class: 'row' },
    field('Name', text('department.name', d.name, { required: true })),
    field('Email', text('department.email', d.email, { type: 'email' }),
      'Offline messages left for this department go here.'),
    field('Maximum chats per agent', number('department.maxNumberSimultaneousChat', d.maxNumberSimultaneousChat),
      '0 = the global setting.')),
  field('Description', text('department.description', d.description)),
  h('div', { class: 'row checks' },
    check('department.enabled', d.enabled, 'Enabled'),
    check('department.showOnRegistration', d.showOnRegistration, 'Show on the registration form'),
    check('department.showOnOfflineForm', d.showOnOfflineForm, 'Show on the offline form')),
  h('div', { class: 'row checks' },
    check('department.requestCommentBeforeClosingChat', d.requestCommentBeforeClosingChat,
      'Closing comment required'),
    check('department.requestTagBeforeClosingChat', d.requestTagBeforeClosingChat, 'Closing tags required')),
  field('Closing tags', text('department.chatClosingTags', d.chatClosingTags.join(', ')),
    'Comma-separated: the tags agents choose from when closing a chat.'),
  agentPicker(agents, chosen),
  actions(submit(editing ? 'Save department' : 'Create department'),
    editing ? button('Cancel', () => done()) : null));
}

export default {
  id: 'departments',
  title: 'Departments',
  async render({ rest, current }) {
    const listEl = h('div', { id: 'department-list' });
    const formSlot = h('div');
    let agents = [];

    const edit = async (department) => {
      const found = department ? await rest.get(`livechat/department/${encodeURIComponent(department._id)}`) : null;
      fill(formSlot, departmentForm(rest, agents, found, refresh));
      formSlot.querySelector('input').focus();
    };

    async function refresh(message) {
      const [{ departments }, agentAnswer] = await Promise.all([
        rest.get('livechat/department'), rest.get('livechat/users/agent')]);
      agents = agentAnswer.users;
      const names = new Map(agents.map((a) => [a._id, a.name || a.username]));
      const served = await Promise.all(departments.map(
        (d) => rest.get(`livechat/department/${encodeURIComponent(d._id)}/agents`)));
      if (!current()) return;
      const rows = departments.map((d, i) => ({ ...d, agentNames: served[i].agents.map((a) => names.get(a.agentId)
        || a.username) }));
      const remove = async (d) => {
        try {
          await rest.delete(`livechat/department/${encodeURIComponent(d._id)}`);
          await refresh();
        } catch (err) {
          showError(formSlot.firstChild, err);
        }
      };
      fill(listEl, table([
        ['Name', (d) => d.name],
        ['Enabled', (d) => yesNo(d.enabled)],
        ['Registration form', (d) => yesNo(d.showOnRegistration)],
        ['Offline form', (d) => yesNo(d.showOnOfflineForm)],
        ['Email', (d) => d.email],
        ['Agents', (d) => d.agentNames.join(', ') || '—'],
        ['', (d) => h('span', { class: 'row-actions' },
          button('Edit', () => edit(d)), confirmButton('Delete', () => remove(d), d.name))],
      ], rows, { empty: 'No departments: visitors are not asked to choose one.',
        rowAttrs: (d) => ({ dataset: { name: d.name } }) }));
      fill(formSlot, departmentForm(rest, agents, null, refresh));
      if (message) note(formSlot.firstChild, message);
    }

    await refresh();
    return [card(null, listEl, h('p', { class: 'hint' },
      'With two or more departments shown on the registration form, visitors choose one before chatting.')),
    card(null, formSlot)];
  },
};
