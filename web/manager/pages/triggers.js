// Triggers: proactive messages (Rocket.Chat's shape). The form edits the first condition and the first
// action, the parts that decide when a trigger fires and what it says; any others are kept as they are.

import { fill, h } from '../../shared/dom.js';
import {
  actions, area, button, card, check, choice, confirmButton, field, form, note, showError, submit, table, text,
} from '../ui.js';

const CONDITIONS = [
  ['page-url', 'Visitor opens a page whose URL matches'],
  ['time-on-site', 'Visitor has been on the site for'],
  ['chat-opened-by-visitor', 'Visitor opens the chat window'],
  ['after-guest-registration', 'Visitor fills in the registration form'],
];
const VALUE_LABEL = { 'page-url': 'URL pattern (regular expression)', 'time-on-site': 'Seconds on the site' };
const SENDERS = [['queue', 'The next agent in the queue'], ['custom', 'A name of your choice']];
const BLANK = {
  name: '', description: '', enabled: true, runOnce: false, conditions: [{ name: 'page-url', value: '' }],
  actions: [{ name: 'send-message', params: { sender: 'queue', msg: '' } }],
};

function summary(t) {
  const c = t.conditions[0];
  const label = (CONDITIONS.find(([name]) => name === c.name) || [c.name, c.name])[1];
  if (c.name === 'page-url') return `${label} ${c.value}`;
  if (c.name === 'time-on-site') return `${label} ${c.value} s`;
  return label;
}

function triggerForm(rest, found, done) {
  const t = found ? structuredClone(found) : structuredClone(BLANK);
  const condition = t.conditions[0];
  const params = t.actions[0].params;
  const valueInput = text('conditions.0.value', condition.value ?? '');
  const valueField = field(VALUE_LABEL[condition.name] || 'Value', valueInput);
  const nameField = field('Sender name', text('actions.0.params.name', params.name || ''));
  const conditionSelect = choice('conditions.0.name', CONDITIONS, condition.name);
  const senderSelect = choice('actions.0.params.sender', SENDERS, params.sender || 'queue');
  const sync = () => {
    valueField.hidden = !VALUE_LABEL[conditionSelect.value];
    valueField.querySelector('.field-label').textContent = VALUE_LABEL[conditionSelect.value] || 'Value';
    valueInput.type = conditionSelect.value === 'time-on-site' ? 'number' : 'text';
    nameField.hidden = senderSelect.value !== 'custom';
  };
  conditionSelect.addEventListener('change', sync);
  senderSelect.addEventListener('change', sync);
  sync();
  return form({ id: 'trigger-form', class: 'stack' }, async (el) => {
    const f = el.elements;
    const kind = conditionSelect.value;
    const raw = f['conditions.0.value'].value.trim();
    const value = kind === 'time-on-site' ? Number(raw) || raw : raw;
    const action = { name: 'send-message', params: { sender: senderSelect.value, msg: f['actions.0.params.msg'].value } };
    if (senderSelect.value === 'custom') action.params.name = f['actions.0.params.name'].value.trim();
    const body = {
      name: f.name.value.trim(), description: f.description.value, enabled: f.enabled.checked,
      runOnce: f.runOnce.checked,
      conditions: [VALUE_LABEL[kind] ? { name: kind, value } : { name: kind }, ...t.conditions.slice(1)],
      actions: [action, ...t.actions.slice(1)],
    };
    if (found) body._id = found._id;
    await rest.post('livechat/triggers', body);
    await done(`${body.name} ${found ? 'saved' : 'created'}.`);
  },
  h('h3', {}, found ? `Edit ${t.name}` : 'New trigger'),
  h('div', { class: 'row' },
    field('Name', text('name', t.name)),
    field('Description', text('description', t.description))),
  h('div', { class: 'row checks' },
    check('enabled', t.enabled, 'Enabled'),
    check('runOnce', t.runOnce, 'Only once per visitor')),
  h('fieldset', {}, h('legend', {}, 'When'), h('div', { class: 'row' },
    field('Condition', conditionSelect), valueField)),
  h('fieldset', {}, h('legend', {}, 'Then send a message'),
    h('div', { class: 'row' }, field('Sent by', senderSelect), nameField),
    field('Message', area('actions.0.params.msg', params.msg))),
  actions(submit(found ? 'Save trigger' : 'Create trigger'), found ? button('Cancel', () => done()) : null));
}

export default {
  id: 'triggers',
  title: 'Triggers',
  async render({ rest, current }) {
    const listEl = h('div', { id: 'trigger-list' });
    const formSlot = h('div');

    async function refresh(message) {
      const { triggers } = await rest.get('livechat/triggers', { count: 500 });
      if (!current()) return;
      const problem = (err) => showError(formSlot.firstChild, err);
      const toggle = async (t, input) => {
        try {
          await rest.post('livechat/triggers', { ...t, enabled: input.checked });
          await refresh();
        } catch (err) {
          input.checked = !input.checked;
          problem(err);
        }
      };
      const remove = async (t) => {
        try {
          await rest.delete(`livechat/triggers/${encodeURIComponent(t._id)}`);
          await refresh();
        } catch (err) {
          problem(err);
        }
      };
      const edit = (t) => {
        fill(formSlot, triggerForm(rest, t, refresh));
        formSlot.querySelector('input').focus();
      };
      fill(listEl, table([
        ['Name', (t) => t.name],
        ['When', summary],
        ['Message', (t) => t.actions[0].params.msg],
        ['Enabled', (t) => {
          const input = h('input', { type: 'checkbox', checked: t.enabled, 'aria-label': `Enabled: ${t.name}` });
          input.addEventListener('change', () => toggle(t, input));
          return h('label', { class: 'switch' }, input);
        }],
        ['', (t) => h('span', { class: 'row-actions' },
          button('Edit', () => edit(t)), confirmButton('Delete', () => remove(t), t.name))],
      ], triggers, { empty: 'No triggers yet.', rowAttrs: (t) => ({ dataset: { name: t.name } }) }));
      fill(formSlot, triggerForm(rest, null, refresh));
      if (message) note(formSlot.firstChild, message);
    }

    await refresh();
    return [card(null, listEl), card(null, formSlot)];
  },
};
