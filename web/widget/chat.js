// The conversation pane: messages (deduplicated by _id, ordered by time), agent and queue
// status, typing indicator, composer, and the transcript / end-chat actions.

import { fill, formatTime, h } from '../shared/dom.js';

const TYPING_IDLE_MS = 3000; // stop showing "typing" when the other side goes quiet this long
const TYPING_SHOW_MS = 10000; // hide a typing indicator whose "stopped" frame got lost

const SYSTEM_TEXT = {
  // the closing comment is the agent's note, not for the visitor
  'livechat-close': (m, mine) => (mine ? 'You ended the chat' : 'The chat was closed'),
  livechat_transfer_history: (m) => m.msg || 'The chat was transferred',
};

export class ChatView {
  /**
   * isMine(message) says which messages are the visitor's; the on* callbacks are actions.
   * `options`: {showAgentInfo, showAgentEmail, canClose, canTranscript, limit}
   */
  constructor({ isMine, onSend, onTyping, onClose, onTranscript, onNewChat, options }) {
    Object.assign(this, { isMine, onSend, onTyping, onClose, onTranscript, onNewChat, options });
    this.items = new Map();
    this.typingTimer = null;
    this.typingSent = false;
    this.idleTimer = null;
    this.build();
  }

  build() {
    this.status = h('div', { class: 'chat-status', role: 'status' });
    this.actions = h('div', { class: 'chat-actions' });
    this.panel = h('div', { class: 'chat-panel', hidden: true });
    this.list = h('ol', { class: 'messages', 'aria-live': 'polite' });
    this.typing = h('div', { class: 'typing', hidden: true });
    this.ended = h('div', { class: 'ended', hidden: true });
    this.input = h('textarea', { class: 'composer-input', rows: 1, placeholder: 'Type your message…',
      'aria-label': 'Message', oninput: () => this.typed(), onkeydown: (e) => this.key(e) });
    if (this.options.limit) this.input.maxLength = this.options.limit;
    this.composer = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.input, h('button', { type: 'submit', class: 'send', 'aria-label': 'Send' }, 'Send'));
    this.el = h('section', { class: 'chat' }, this.status, this.actions, this.panel, this.list, this.typing,
      this.ended, this.composer);
  }

  key(e) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      this.submit();
    }
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.stopTyping();
    this.onSend(text);
  }

  typed() {
    clearTimeout(this.idleTimer);
    if (!this.input.value) {
      this.stopTyping();
      return;
    }
    if (!this.typingSent) {
      this.typingSent = true;
      this.onTyping(true);
    }
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (this.typingSent) {
      this.typingSent = false;
      this.onTyping(false);
    }
  }

  focus() {
    if (!this.composer.hidden) this.input.focus();
  }

  /** Add or update a message; the same _id twice is one message. */
  upsert(message, state = '') {
    const known = this.items.get(message._id);
    const el = this.render(message, state);
    if (known) {
      known.el.replaceWith(el);
      this.items.set(message._id, { message, el });
      return;
    }
    this.items.set(message._id, { message, el });
    let before = null;
    for (const node of Array.from(this.list.children).reverse()) {
      const other = this.items.get(node.dataset.id);
      if (!other || other.message.ts <= message.ts) break;
      before = node;
    }
    this.list.insertBefore(el, before);
    this.list.scrollTop = this.list.scrollHeight;
  }

  has(id) {
    return this.items.has(id);
  }

  clearMessages() {
    this.items.clear();
    this.list.replaceChildren();
  }

  render(m, state) {
    if (m.t) {
      const text = (SYSTEM_TEXT[m.t] || ((x) => x.msg))(m, this.isMine(m));
      return h('li', { class: 'message system', dataset: { id: m._id } }, text);
    }
    const mine = this.isMine(m);
    const author = m.u ? m.u.name || m.u.username : '';
    return h('li', { class: `message ${mine ? 'mine' : 'theirs'} ${state}`.trim(), dataset: { id: m._id } },
      !mine && this.options.showAgentInfo !== false && author ? h('span', { class: 'author' }, author) : null,
      h('span', { class: 'text' }, m.msg),
      h('span', { class: 'meta' }, state === 'failed' ? 'Not sent. Retrying…' : formatTime(m.ts)));
  }

  showAgent(agent) {
    if (!agent) return this.status.replaceChildren();
    const email = agent.emails && agent.emails[0] && agent.emails[0].address;
    fill(this.status,
      this.options.showAgentInfo === false ? 'An agent joined the chat'
        : h('span', {}, 'You are chatting with ', h('strong', {}, agent.name || agent.username || 'an agent')),
      this.options.showAgentEmail && email ? h('span', { class: 'agent-email' }, ` (${email})`) : null);
    return undefined;
  }

  showQueue(position) {
    this.status.replaceChildren(position > 0
      ? h('span', { class: 'queue' }, `Waiting for an agent. You are number ${position} in the queue.`)
      : h('span', { class: 'queue' }, 'Waiting for an agent…'));
  }

  showTyping(on, name) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    this.typing.textContent = on ? `${name || 'The agent'} is typing…` : '';
    if (on) this.typingTimer = setTimeout(() => this.showTyping(false), TYPING_SHOW_MS);
  }

  /** The toolbar for an open chat (`room` true) or for a chat not started yet. */
  showActions(room) {
    const buttons = [];
    if (room && this.options.canTranscript) buttons.push(h('button', { type: 'button', class: 'link transcript',
      onclick: () => this.askTranscript() }, 'Email transcript'));
    if (room && this.options.canClose) buttons.push(h('button', { type: 'button', class: 'link end-chat',
      onclick: () => this.askClose() }, 'End chat'));
    this.actions.replaceChildren(...buttons);
  }

  askClose() {
    this.openPanel(h('div', { class: 'confirm' }, h('span', {}, 'End this chat?'),
      h('button', { type: 'button', class: 'primary confirm-end', onclick: () => this.closePanel(this.onClose()) },
        'End chat'),
      h('button', { type: 'button', class: 'link', onclick: () => this.closePanel() }, 'Cancel')));
  }

  askTranscript(email = '') {
    const input = h('input', { type: 'email', name: 'email', required: true, value: email,
      placeholder: 'you@example.com', 'aria-label': 'Email for the transcript' });
    const note = h('span', { class: 'panel-note', role: 'status' });
    const form = h('form', { class: 'transcript-form' }, input,
      h('button', { type: 'submit', class: 'primary' }, 'Send transcript'),
      h('button', { type: 'button', class: 'link', onclick: () => this.closePanel() }, 'Cancel'), note);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      note.textContent = 'Sending…';
      try {
        await this.onTranscript(input.value.trim());
        this.openPanel(h('div', { class: 'panel-note', role: 'status' }, 'The transcript is on its way.'));
        setTimeout(() => this.closePanel(), 4000);
      } catch (err) {
        note.textContent = err.message || 'Could not send the transcript.';
      }
    });
    this.openPanel(form);
    input.focus();
  }

  openPanel(content) {
    this.panel.replaceChildren(content);
    this.panel.hidden = false;
  }

  closePanel(pending) {
    this.panel.hidden = true;
    this.panel.replaceChildren();
    return pending;
  }

  /** The chat ended: no composer; a "new chat" button instead. */
  showEnded(text, detail) {
    this.showTyping(false);
    this.showActions(false);
    this.status.replaceChildren();
    this.composer.hidden = true;
    this.ended.hidden = false;
    fill(this.ended, h('p', { class: 'ended-title' }, text || 'Conversation finished'),
      detail ? h('p', { class: 'ended-text' }, detail) : null,
      h('button', { type: 'button', class: 'primary new-chat', onclick: () => this.onNewChat() },
        'Start a new chat'));
  }

  showOpen() {
    this.composer.hidden = false;
    this.ended.hidden = true;
  }
}
