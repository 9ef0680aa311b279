// Settings: Livechat on or off, routing and chat limits, offline email, outgoing mail (SMTP).

import { h } from '../../shared/dom.js';
import {
  actions, card, check, choice, field, form, intValue, number, submit, text,
} from '../ui.js';

const ROUTING_METHODS = [['round_robin', 'Round robin']];
const GLOBAL = ['Livechat_enabled', 'Livechat_routing_method', 'Livechat_max_chats_per_agent',
  'Livechat_agent_grace_seconds', 'Livechat_visitor_inactivity_close_seconds',
  'Livechat_request_comment_when_closing_conversation'];
const SECURITY = [['starttls', 'STARTTLS (port 587)'], ['tls', 'TLS (port 465)'], ['none', 'None (a local relay)']];

function globalForm(rest, values) {
  const saved = { ...values };
  const routing = ROUTING_METHODS.length > 1
    ? field('Routing method', choice('Livechat_routing_method', ROUTING_METHODS, values.Livechat_routing_method))
    : h('p', { class: 'hint' }, 'Chats are routed by round robin among the available agents.');
  return form({ id: 'settings-form', class: 'stack' }, async (el) => {
    const wanted = {
      Livechat_enabled: el.elements.Livechat_enabled.checked,
      Livechat_max_chats_per_agent: intValue(el.elements.Livechat_max_chats_per_agent),
      Livechat_agent_grace_seconds: intValue(el.elements.Livechat_agent_grace_seconds),
      Livechat_visitor_inactivity_close_seconds: intValue(el.elements.Livechat_visitor_inactivity_close_seconds),
      Livechat_request_comment_when_closing_conversation:
        el.elements.Livechat_request_comment_when_closing_conversation.checked,
    };
    if (el.elements.Livechat_routing_method) wanted.Livechat_routing_method = el.elements.Livechat_routing_method.value;
    for (const [id, value] of Object.entries(wanted)) {
      if (value === saved[id]) continue;
      try {
        await rest.post(`settings/${id}`, { value });
      } catch (err) {
        if (err.body && err.body.field === 'value') err.body.field = id; // the answer names the body's field
        throw err;
      }
      saved[id] = value;
    }
  },
  check('Livechat_enabled', values.Livechat_enabled, 'Livechat enabled',
    'Off: the widget disappears from every site and visitors cannot start chats.'),
  routing,
  h('div', { class: 'row' },
    field('Maximum chats per agent', number('Livechat_max_chats_per_agent', values.Livechat_max_chats_per_agent),
      '0 = no limit. A department may set its own.'),
    field('Grace period (seconds)', number('Livechat_agent_grace_seconds', values.Livechat_agent_grace_seconds),
      'How long a chat waits for its agent to come back online before it returns to the queue.'),
    field('Close inactive chats after (seconds)',
      number('Livechat_visitor_inactivity_close_seconds', values.Livechat_visitor_inactivity_close_seconds),
      '0 = never close a chat because the visitor went quiet.')),
  check('Livechat_request_comment_when_closing_conversation',
    values.Livechat_request_comment_when_closing_conversation, 'Agents must write a comment when closing a chat'),
  actions(submit('Save settings')));
}

function offlineForm(rest, email) {
  return form({ id: 'offline-email-form', class: 'stack' }, async (el) => {
    await rest.post('livechat/appearance', [{ _id: 'Livechat_offline_email', value: el.elements.email.value.trim() }]);
  },
  field('Send offline messages to', text('email', email, { type: 'email', placeholder: 'support@example.com' }),
    'Used when the visitor chose no department, or the department has no email. Needs outgoing mail below.'),
  actions(submit('Save offline email')));
}

function smtpForm(rest, values) {
  return form({ id: 'smtp-form', class: 'stack' }, async (el) => {
    const f = el.elements;
    await rest.post('livechat/smtp.settings', {
      SMTP_Host: f.SMTP_Host.value.trim(), SMTP_Port: intValue(f.SMTP_Port), SMTP_Username: f.SMTP_Username.value,
      SMTP_Password: f.SMTP_Password.value, SMTP_Security: f.SMTP_Security.value, From_Email: f.From_Email.value.trim(),
    });
  },
  h('div', { class: 'row' },
    field('Server (host)', text('SMTP_Host', values.SMTP_Host, { placeholder: 'smtp.example.com' }),
      'Empty: no email is sent (no offline emails, no transcripts).'),
    field('Port', number('SMTP_Port', values.SMTP_Port, { min: 1, max: 65535 })),
    field('Security', choice('SMTP_Security', SECURITY, values.SMTP_Security))),
  h('div', { class: 'row' },
    field('Username', text('SMTP_Username', values.SMTP_Username)),
    field('Password', text('SMTP_Password', values.SMTP_Password, { type: 'password', autocomplete: 'new-password' }),
      'Shown masked; leave it as is to keep the saved password.'),
    field('From address', text('From_Email', values.From_Email, { type: 'email', placeholder: 'chat@example.com' }))),
  actions(submit('Save email settings')));
}

export default {
  id: 'settings',
  title: 'Settings',
  async render({ rest }) {
    const [globals, smtp, look] = await Promise.all([
      Promise.all(GLOBAL.map((id) => rest.get(`settings/${id}`))),
      rest.get('livechat/smtp.settings'),
      rest.get('livechat/appearance'),
    ]);
    const values = Object.fromEntries(globals.map((s) => [s._id, s.value]));
    const mail = Object.fromEntries(smtp.settings.map((s) => [s._id, s.value]));
    const email = (look.appearance.find((a) => a._id === 'Livechat_offline_email') || {}).value || '';
    return [
      card('Livechat', globalForm(rest, values)),
      card('Offline messages', offlineForm(rest, email)),
      card('Outgoing email (SMTP)', smtpForm(rest, mail)),
    ];
  },
};
