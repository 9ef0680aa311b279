// Webhooks: where chat events are POSTed (URL, secret, timeout, which events), a test, and the
// delivery log with redeliver.

import { fill, h } from '../../shared/dom.js';
import {
  actions, badge, button, card, check, errorText, field, form, intValue, note, number, saving, submit, table, text, when,
} from '../ui.js';

const REFRESH_MS = 5000; // the log follows retries as they happen
const MASK = '********'; // what the server shows for a saved secret; sent back, it keeps the secret
const SECRET_BYTES = 32;
const EVENTS = [
  ['LivechatWebhookOnStart', 'Chat started'], ['LivechatWebhookOnChatQueued', 'Chat queued'],
  ['LivechatWebhookOnChatTaken', 'Chat taken by an agent'], ['LivechatWebhookOnForward', 'Chat forwarded'],
  ['LivechatWebhookOnClose', 'Chat closed (LivechatSession)'], ['LivechatWebhookOnOfflineMsg', 'Offline message'],
  ['LivechatWebhookOnVisitorMessage', 'Visitor message'], ['LivechatWebhookOnAgentMessage', 'Agent message'],
  ['LivechatWebhookOnCapture', 'Lead capture (email or phone in a message)'],
];
// request field -> the setting integrations.settings answers with
const SETTING = {
  LivechatWebhookUrl: 'Livechat_webhookUrl', LivechatSecretToken: 'Livechat_secret_token',
  LivechatHttpTimeout: 'Livechat_http_timeout', LivechatWebhookOnStart: 'Livechat_webhook_on_start',
  LivechatWebhookOnChatQueued: 'Livechat_webhook_on_chat_queued', LivechatWebhookOnChatTaken: 'Livechat_webhook_on_chat_taken',
  LivechatWebhookOnForward: 'Livechat_webhook_on_forward', LivechatWebhookOnClose: 'Livechat_webhook_on_close',
  LivechatWebhookOnOfflineMsg: 'Livechat_webhook_on_offline_msg',
  LivechatWebhookOnVisitorMessage: 'Livechat_webhook_on_visitor_message',
  LivechatWebhookOnAgentMessage: 'Livechat_webhook_on_agent_message', LivechatWebhookOnCapture: 'Livechat_webhook_on_capture',
  LivechatWebhookRetries: 'Livechat_webhook_retries', LivechatWebhookRetryDelay: 'Livechat_webhook_retry_delay',
};

function newSecret() {
  return Array.from(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function secretControl(value) {
  const input = text('LivechatSecretToken', value, { type: 'password', autocomplete: 'new-password' });
  const reveal = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false', id: 'reveal-secret' }, 'Reveal');
  const show = (on) => {
    input.type = on ? 'text' : 'password';
    reveal.setAttribute('aria-pressed', String(on));
    reveal.textContent = on ? 'Hide' : 'Reveal';
  };
  reveal.addEventListener('click', () => show(input.type === 'password'));
  const generate = button('Generate', () => {
    input.value = newSecret();
    show(true);
    input.focus();
  });
  generate.id = 'generate-secret';
  return h('span', { class: 'inline-controls' }, input, reveal, generate);
}

function body(el) {
  const f = el.elements;
  const out = {
    LivechatWebhookUrl: f.LivechatWebhookUrl.value.trim(), LivechatSecretToken: f.LivechatSecretToken.value,
    LivechatHttpTimeout: Math.round(Number(f.LivechatHttpTimeout.value) * 1000),
    LivechatWebhookRetries: intValue(f.LivechatWebhookRetries), LivechatWebhookRetryDelay: Number(f.LivechatWebhookRetryDelay.value),
  };
  for (const [name] of EVENTS) out[name] = f[name].checked;
  return out;
}

function settingsForm(rest, values) {
  const v = (name) => values[SETTING[name]];
  let saved = null;
  const el = form({ id: 'webhook-form', class: 'stack' }, async () => {
    const wanted = body(el);
    await rest.post('omnichannel/integrations', wanted);
    saved = JSON.stringify(wanted);
  },
  field('Webhook URL', text('LivechatWebhookUrl', v('LivechatWebhookUrl'), { type: 'url',
    placeholder: 'https://crm.example.com/livechat' }), 'Empty: no webhooks are sent.'),
  field('Secret token', secretControl(v('LivechatSecretToken')),
    `Sent as X-pimentachat-Livechat-Token and used to sign each request. A saved secret shows as ${MASK}.`),
  h('div', { class: 'row' },
    field('Timeout (seconds)', number('LivechatHttpTimeout', v('LivechatHttpTimeout') / 1000, { min: 0.1, step: 0.1 })),
    field('Retries', number('LivechatWebhookRetries', v('LivechatWebhookRetries'), { max: 100 }),
      'A delivery not answered with 200 is tried again this many times…'),
    field('Seconds between retries', number('LivechatWebhookRetryDelay', v('LivechatWebhookRetryDelay'), { max: 3600 }))),
  h('fieldset', {}, h('legend', {}, 'Send a webhook when'), h('div', { class: 'checks grid-checks' },
    EVENTS.map(([name, label]) => check(name, v(name), label)))),
  actions(submit('Save webhook settings'), button('Send a test', async () => {
    await saving(el, async () => {
      if (saved !== JSON.stringify(body(el))) await rest.post('omnichannel/integrations', body(el));
      saved = JSON.stringify(body(el));
      await rest.post('livechat/webhook.test', {});
      return 'Test sent: the webhook answered 200.';
    });
  })));
  saved = JSON.stringify(body(el));
  return el;
}

class DeliveryLog {
  constructor(rest) {
    this.rest = rest;
    this.list = h('div', { id: 'delivery-list' });
    this.detail = h('div', { id: 'delivery-detail' });
    this.status = h('p', { class: 'form-status', role: 'status' });
  }

  async refresh() {
    const { deliveries } = await this.rest.get('livechat/webhooks/deliveries', { count: 25 });
    const last = (d) => d.attempts[d.attempts.length - 1];
    fill(this.list, table([
      ['Created', (d) => when(d.created)],
      ['Event', (d) => d.type + (d.redelivery_of ? ' (redelivery)' : '')],
      ['State', (d) => badge(d.state, { delivered: 'ok', failed: 'bad' }[d.state] || '')],
      ['Attempts', (d) => String(d.attempts.length)],
      ['Last answer', (d) => (last(d) ? `${last(d).status || last(d).error || '—'} in ${last(d).latency_ms} ms` : '—')],
      ['URL', (d) => d.url],
      ['', (d) => h('span', { class: 'row-actions' }, button('Details', () => this.show(d)),
        button('Redeliver', () => this.redeliver(d)))],
    ], deliveries, { empty: 'No deliveries yet.', rowAttrs: (d) => ({ dataset: { id: d.id, state: d.state } }) }));
  }

  async show(d) {
    const { delivery } = await this.rest.get(`livechat/webhooks/deliveries/${encodeURIComponent(d.id)}`);
    const payload = delivery.body === null || delivery.body === undefined ? 'No payload yet.'
      : JSON.stringify(delivery.body, null, 2);
    fill(this.detail, h('h3', {}, `Delivery ${delivery.id}`),
      h('ul', { class: 'attempts' }, delivery.attempts.map((a) => h('li', {},
        `${when(a.at)}: ${a.status || 'no answer'} in ${a.latency_ms} ms${a.error ? ` (${a.error})` : ''}`,
        a.response ? h('pre', { class: 'code' }, a.response) : null))),
      h('pre', { class: 'code payload' }, payload));
  }

  async redeliver(d) {
    try {
      await this.rest.post(`livechat/webhooks/deliveries/${encodeURIComponent(d.id)}/redeliver`, {});
      note(this.element, 'Sent again as a new delivery.');
      await this.refresh();
    } catch (err) {
      note(this.element, errorText(err));
    }
  }

  render() {
    this.element = card('Delivery log', this.status, this.list,
      actions(button('Refresh', () => this.refresh())), this.detail);
    return this.element;
  }
}

export default {
  id: 'webhooks',
  title: 'Webhooks',
  async render({ rest, every }) {
    const log = new DeliveryLog(rest);
    const [{ settings }] = await Promise.all([rest.get('livechat/integrations.settings'), log.refresh()]);
    every(REFRESH_MS, () => log.refresh().catch(() => undefined));
    const values = Object.fromEntries(settings.map((s) => [s._id, s.value]));
    return [card(null, settingsForm(rest, values)), log.render()];
  },
};
