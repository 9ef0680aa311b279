// Appearance: how the widget looks and what it says, with a preview that follows every keystroke.
// (The offline email is on the Settings page, beside outgoing mail.)

import { fill, h } from '../../shared/dom.js';
import { actions, area, card, check, choice, field, form, intValue, number, submit, text } from '../ui.js';

const GROUPS = [
  ['Header', [
    ['Livechat_title', 'Title', 'text'], ['Livechat_title_color', 'Title colour', 'color'],
    ['Livechat_offline_title', 'Title when offline', 'text'],
    ['Livechat_offline_title_color', 'Title colour when offline', 'color'],
    ['Livechat_widget_position', 'Position on the page', 'position'],
    ['Livechat_background', 'Chat background (a CSS colour; empty = white)', 'color'],
  ]],
  ['Registration form', [
    ['Livechat_registration_form', 'Ask visitors to register before chatting', 'bool'],
    ['Livechat_name_field_registration_form', 'Ask for the name', 'bool'],
    ['Livechat_email_field_registration_form', 'Ask for the email', 'bool'],
    ['Livechat_registration_form_message', 'Message above the form', 'text'],
  ]],
  ['During the chat', [
    ['Livechat_show_agent_info', 'Show the agent\'s name', 'bool'],
    ['Livechat_show_agent_email', 'Show the agent\'s email', 'bool'],
    ['Omnichannel_allow_visitors_to_close_conversation', 'Visitors may close the chat', 'bool'],
    ['Livechat_enable_message_character_limit', 'Limit the length of messages', 'bool'],
    ['Livechat_message_character_limit', 'Longest message (characters)', 'int'],
    ['Livechat_conversation_finished_message', 'Message when the chat ends', 'text'],
    ['Livechat_conversation_finished_text', 'Text below it', 'area'],
  ]],
  ['When nobody is online', [
    ['Livechat_display_offline_form', 'Show the offline form', 'bool'],
    ['Livechat_offline_message', 'Message above the offline form', 'area'],
    ['Livechat_offline_success_message', 'Thanks after an offline message', 'text'],
    ['Livechat_offline_form_unavailable', 'Message when the offline form is off', 'area'],
  ]],
];
const POSITIONS = [['right', 'Bottom right'], ['left', 'Bottom left']];
const ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z'; // the loader's launcher icon
const isColor = (v) => typeof v === 'string' && v !== '' && CSS.supports('color', v);

function colourControl(name, value) {
  const input = text(name, value);
  const swatch = h('input', { type: 'color', 'aria-label': 'Pick a colour', tabindex: -1 });
  const sync = () => { swatch.value = /^#[0-9a-f]{6}$/i.test(input.value) ? input.value.toLowerCase() : '#ffffff'; };
  swatch.addEventListener('input', () => {
    input.value = swatch.value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  input.addEventListener('input', sync);
  sync();
  return h('span', { class: 'colour' }, swatch, input);
}

function control([name, label, kind], value) {
  if (kind === 'bool') return check(name, value, label);
  if (kind === 'int') return field(label, number(name, value));
  if (kind === 'area') return field(label, area(name, value));
  if (kind === 'position') return field(label, choice(name, POSITIONS, value));
  if (kind === 'color') return field(label, colourControl(name, value));
  return field(label, text(name, value));
}

function read(el) {
  const values = {};
  for (const [, items] of GROUPS) {
    for (const [name, , kind] of items) {
      const input = el.elements[name];
      if (kind === 'bool') values[name] = input.checked;
      else if (kind === 'int') values[name] = intValue(input);
      else values[name] = input.value;
    }
  }
  return values;
}

function chatIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICON_CHAT);
  svg.appendChild(path);
  return svg;
}

const fakeInput = (label) => h('div', { class: 'preview-input' }, label);

function previewBody(v, online) {
  if (online) {
    if (!v.Livechat_registration_form) {
      return [h('p', { class: 'preview-note' }, 'The chat starts right away.'), fakeInput('Type your message…')];
    }
    return [v.Livechat_registration_form_message ? h('p', { class: 'preview-note' }, v.Livechat_registration_form_message)
      : null, v.Livechat_name_field_registration_form ? fakeInput('Name') : null,
    v.Livechat_email_field_registration_form ? fakeInput('Email') : null,
    h('div', { class: 'preview-button' }, 'Start chat')];
  }
  if (!v.Livechat_display_offline_form) {
    return h('p', { class: 'preview-note' }, v.Livechat_offline_form_unavailable || 'Nobody is online right now.');
  }
  return [h('p', { class: 'preview-note' }, v.Livechat_offline_message), fakeInput('Name'), fakeInput('Email'),
    fakeInput('Message'), h('div', { class: 'preview-button' }, 'Send')];
}

/** A drawing of the widget: header, first screen, launcher; no real controls in it. */
function drawPreview(el, v, online) {
  const color = online ? v.Livechat_title_color : v.Livechat_offline_title_color || v.Livechat_title_color;
  const header = h('div', { class: 'preview-header' },
    h('span', { class: 'preview-title', id: 'preview-title' },
      (online ? v.Livechat_title : v.Livechat_offline_title || v.Livechat_title) || 'Livechat'),
    online ? null : h('span', { class: 'preview-sub' }, 'Offline'));
  const launcher = h('div', { class: 'preview-launcher' }, chatIcon());
  const box = h('div', { class: 'preview-widget' }, header, h('div', { class: 'preview-body' },
    previewBody(v, online)));
  if (isColor(color)) {
    header.style.background = color;
    box.querySelectorAll('.preview-button').forEach((b) => { b.style.background = color; });
  }
  if (isColor(v.Livechat_title_color)) launcher.style.background = v.Livechat_title_color;
  if (isColor(v.Livechat_background)) box.querySelector('.preview-body').style.background = v.Livechat_background;
  el.dataset.position = v.Livechat_widget_position === 'left' ? 'left' : 'right';
  fill(el, box, launcher);
}

export default {
  id: 'appearance',
  title: 'Appearance',
  async render({ rest }) {
    const { appearance } = await rest.get('livechat/appearance');
    const saved = Object.fromEntries(appearance.map((a) => [a._id, a.value]));
    const stage = h('div', { class: 'preview', id: 'preview', role: 'img', 'aria-label': 'Preview of the widget' });
    let online = true;
    const modes = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Preview state' });
    const editor = form({ id: 'appearance-form', class: 'stack' }, async (el) => {
      const values = read(el);
      await rest.post('livechat/appearance', Object.entries(values).map(([_id, value]) => ({ _id, value })));
      return 'Saved: visitors see it the next time the widget loads.';
    },
    GROUPS.map(([title, items]) => h('fieldset', {}, h('legend', {}, title), items.map((i) => control(i, saved[i[0]])))),
    actions(submit('Save appearance')));
    const redraw = () => drawPreview(stage, read(editor), online);
    const mode = (label, value) => {
      const b = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(online === value) }, label);
      b.addEventListener('click', () => {
        online = value;
        modes.querySelectorAll('button').forEach((m) => m.setAttribute('aria-pressed', String(m === b)));
        redraw();
      });
      return b;
    };
    fill(modes, mode('Online', true), mode('Offline', false));
    editor.addEventListener('input', redraw);
    editor.addEventListener('change', redraw);
    redraw();
    return h('div', { class: 'split' }, card(null, editor),
      h('aside', { class: 'card preview-card' }, h('h2', {}, 'Preview'), modes, stage,
        h('p', { class: 'hint' }, 'See the real widget on the ', h('a', { href: 'demo', target: '_blank' }, 'demo page'),
          '.')));
  },
};
