// Custom fields: extra data about visitors or chats that sites set through the widget API, and that
// public visitor fields ask for on the registration form.

import { fill, h } from '../../shared/dom.js';
import {
  actions, button, card, check, choice, confirmButton, field, form, note, showError, submit, table, text, yesNo,
} from '../ui.js';

const SCOPES = [['visitor', 'Visitor'], ['room', 'Chat']];
const VISIBILITY = [['visible', 'Visible'], ['hidden', 'Hidden']];
const TYPES = [['input', 'Text'], ['select', 'Choice (select)']];
const BLANK = {
  _id: '', label: '', scope: 'visitor', visibility: 'visible', type: 'input', regexp: '', required: false,
  defaultValue: '', options: '', public: false,
};

function fieldForm(rest, found, done) {
  const c = { ...BLANK, ...(found || {}) };
  const prefix = 'customFieldData.';
  const typeSelect = choice(`${prefix}type`, TYPES, c.type);
  const optionsField = field('Options', text(`${prefix}options`, c.options), 'Comma-separated, e.g. Small, Medium, Large.');
  const sync = () => { optionsField.hidden = typeSelect.value !== 'select'; };
  typeSelect.addEventListener('change', sync);
  sync();
  return form({ id: 'custom-field-form', class: 'stack' }, async (el) => {
    const f = el.elements;
    const value = (name) => f[prefix + name].value;
    const data = {
      field: found ? found._id : value('field').trim(), label: value('label').trim(), scope: value('scope'),
      visibility: value('visibility'), type: value('type'), regexp: value('regexp'), required: f[`${prefix}required`].checked,
      defaultValue: value('defaultValue'), options: value('options'), public: f[`${prefix}public`].checked,
    };
    await rest.post('livechat/custom-fields', found ? { customFieldId: found._id, customFieldData: data }
      : { customFieldData: data });
    await done(`${data.field} ${found ? 'saved' : 'created'}.`);
  },
  h('h3', {}, found ? `Edit ${c._id}` : 'New custom field'),
  h('div', { class: 'row' },
    field('Field name', text(`${prefix}field`, c._id, { disabled: !!found, pattern: '[0-9a-zA-Z_\\-]+' }),
      'Letters, digits, - and _; sites use it in setCustomField(name, value). It cannot change later.'),
    field('Label', text(`${prefix}label`, c.label))),
  h('div', { class: 'row' },
    field('Scope', choice(`${prefix}scope`, SCOPES, c.scope)),
    field('Visibility', choice(`${prefix}visibility`, VISIBILITY, c.visibility)),
    field('Type', typeSelect)),
  optionsField,
  h('div', { class: 'row' },
    field('Validation (regular expression)', text(`${prefix}regexp`, c.regexp, { placeholder: '^[0-9]{5}$' }),
      'Values must match; empty accepts anything.'),
    field('Default value', text(`${prefix}defaultValue`, c.defaultValue))),
  h('div', { class: 'row checks' },
    check(`${prefix}required`, c.required, 'Required'),
    check(`${prefix}public`, c.public, 'Ask for it on the registration form',
      'Only visible visitor fields are shown to visitors.')),
  actions(submit(found ? 'Save field' : 'Create field'), found ? button('Cancel', () => done()) : null));
}

export default {
  id: 'custom-fields',
  title: 'Custom fields',
  async render({ rest, current }) {
    const listEl = h('div', { id: 'custom-field-list' });
    const formSlot = h('div');

    async function refresh(message) {
      const { customFields } = await rest.get('livechat/custom-fields', { count: 500 });
      if (!current()) return;
      const remove = async (c) => {
        try {
          await rest.delete(`livechat/custom-fields/${encodeURIComponent(c._id)}`);
          await refresh();
        } catch (err) {
          showError(formSlot.firstChild, err);
        }
      };
      const edit = (c) => {
        fill(formSlot, fieldForm(rest, c, refresh));
        formSlot.querySelector('input:not([disabled])').focus();
      };
      const label = (options, value) => (options.find(([v]) => v === value) || [value, value])[1];
      fill(listEl, table([
        ['Field', (c) => c._id],
        ['Label', (c) => c.label],
        ['Scope', (c) => label(SCOPES, c.scope)],
        ['Visibility', (c) => label(VISIBILITY, c.visibility)],
        ['Type', (c) => label(TYPES, c.type) + (c.type === 'select' ? `: ${c.options}` : '')],
        ['Validation', (c) => (c.regexp ? h('code', {}, c.regexp) : '')],
        ['Required', (c) => yesNo(c.required)],
        ['On the form', (c) => yesNo(c.public)],
        ['', (c) => h('span', { class: 'row-actions' },
          button('Edit', () => edit(c)), confirmButton('Delete', () => remove(c), c._id))],
      ], customFields, { empty: 'No custom fields yet.', rowAttrs: (c) => ({ dataset: { name: c._id } }) }));
      fill(formSlot, fieldForm(rest, null, refresh));
      if (message) note(formSlot.firstChild, message);
    }

    await refresh();
    return [card(null, listEl), card(null, formSlot)];
  },
};
