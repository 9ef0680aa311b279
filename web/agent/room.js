// The open conversation in the agent console: messages, reply, typing, close and transfer.

import { formatTime, h } from '../shared/dom.js';

const TYPING_IDLE_MS = 3000; // "stopped typing" after this long without a key
const TYPING_SHOW_MS = 10000; // hide the visitor's typing indicator if its "stopped" frame is lost

function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

export class RoomView {
  /** `entry`: {room, visitor, messages: Map}; `me`: the agent's user id. */
  constructor({ me, entry, onSend, onTyping, onClose, onTransfer, loadTargets }) {
    Object.assign(this, { me, entry, onSend, onTyping, onClose, onTransfer, loadTargets });
    this.nodes = new Map();
    this.typingSent = false;
    this.build();
    for (const m of [...entry.messages.values()].sort((a, b) => (a.ts < b.ts ? -1 : 1))) this.upsert(m);
    if (!entry.room.open) this.markClosed();
  }

  build() {
    const room = this.entry.room;
    this.state = h('span', { class: 'room-state' });
    this.actions = h('div', { class: 'room-actions' },
      h('button', { type: 'button', class: 'secondary transfer', onclick: () => this.askTransfer() }, 'Transfer'),
      h('button', { type: 'button', class: 'primary close-chat', onclick: () => this.askClose() }, 'Close'));
    this.panel = h('div', { class: 'room-panel', hidden: true });
    this.list = h('ol', { class: 'messages', 'aria-live': 'polite' });
    this.typing = h('div', { class: 'typing', hidden: true });
    this.input = h('textarea', { rows: 2, placeholder: 'Reply…', 'aria-label': 'Reply',
      oninput: () => this.typed(),
      onkeydown: (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); this.submit(); } } });
    this.composer = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.input, h('button', { type: 'submit', class: 'primary send' }, 'Send'));
    this.closedNote = h('div', { class: 'closed-note', hidden: true });
    this.el = h('div', { class: 'room-view', dataset: { rid: room._id } },
      h('div', { class: 'room-header' }, h('h2', {}, room.fname || 'Visitor'), this.state, this.actions),
      this.panel, this.list, this.typing, this.composer, this.closedNote);
    this.el.style.display = 'contents';
    this.setState();
  }

  setState() {
    const room = this.entry.room;
    this.state.textContent = room.open ? (room.code ? `#${room.code} · open` : 'open') : 'closed';
  }

  upsert(m) {
    const el = this.render(m);
    const known = this.nodes.get(m._id);
    if (known) {
      known.replaceWith(el);
    } else {
      let before = null;
      for (const node of Array.from(this.list.children).reverse()) {
        if (node.dataset.ts <= m.ts) break;
        before = node;
      }
      this.list.insertBefore(el, before);
      this.list.scrollTop = this.list.scrollHeight;
    }
    this.nodes.set(m._id, el);
    if (m.token) this.showTyping(false);
  }

  render(m) {
    const base = { dataset: { id: m._id, ts: m.ts } };
    if (m.t) return h('li', { ...base, class: 'message system' }, m.msg || m.t);
    const kind = m.token ? 'visitor' : m.u && m.u._id === this.me ? 'mine' : 'agent';
    return h('li', { ...base, class: `message ${kind}` },
      kind !== 'mine' ? h('span', { class: 'author' }, m.u ? m.u.name || m.u.username : '') : null,
      h('span', { class: 'text' }, m.msg),
      h('span', { class: 'meta' }, formatTime(m.ts)));
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.stopTyping();
    this.onSend(text);
  }

  typed() {
    clearTimeout(this.idle);
    if (!this.input.value) return this.stopTyping();
    if (!this.typingSent) {
      this.typingSent = true;
      this.onTyping(true);
    }
    this.idle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
    return undefined;
  }

  stopTyping() {
    clearTimeout(this.idle);
    if (this.typingSent) {
      this.typingSent = false;
      this.onTyping(false);
    }
  }

  showTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    this.typing.textContent = on ? 'The visitor is typing…' : '';
    if (on) this.typingTimer = setTimeout(() => this.showTyping(false), TYPING_SHOW_MS);
  }

  openPanel(...children) {
    this.panel.replaceChildren(...children);
    this.panel.hidden = false;
  }

  closePanel() {
    this.panel.hidden = true;
    this.panel.replaceChildren();
  }

  async run(errorLine, work) {
    errorLine.textContent = '';
    try {
      await work();
      this.closePanel();
    } catch (err) {
      errorLine.textContent = err.message || 'That did not work.';
    }
  }

  askClose() {
    const comment = h('input', { name: 'comment', placeholder: 'What was it about?' });
    const tags = h('input', { name: 'tags', placeholder: 'sales, refund' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'close-form' }, field('Closing comment', comment), field('Tags (comma separated)', tags),
      h('button', { type: 'submit', class: 'primary confirm-close' }, 'Close chat'),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.closePanel() }, 'Cancel'), error);
    form.style.display = 'contents';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const list = tags.value.split(',').map((t) => t.trim()).filter(Boolean);
      this.run(error, () => this.onClose({ comment: comment.value.trim(), tags: list }));
    });
    this.openPanel(form);
    comment.focus();
  }

  async askTransfer() {
    const error = h('p', { class: 'form-error', role: 'alert' });
    this.openPanel(h('span', { class: 'muted' }, 'Loading agents and departments…'));
    const { agents, departments, problem } = await this.loadTargets();
    const agentSelect = h('select', { name: 'agent' }, h('option', { value: '' }, '—'),
      agents.filter((a) => a._id !== this.me).map((a) => h('option', { value: a._id },
        `${a.name || a.username} (${a.statusLivechat === 'available' ? 'available' : 'away'})`)));
    const departmentSelect = h('select', { name: 'department' }, h('option', { value: '' }, '—'),
      departments.map((d) => h('option', { value: d._id }, d.name)));
    const form = h('form', { class: 'transfer-form' },
      field('To an agent', agentSelect), field('Or to a department', departmentSelect),
      h('button', { type: 'submit', class: 'primary confirm-transfer' }, 'Transfer'),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.closePanel() }, 'Cancel'),
      problem ? h('p', { class: 'muted' }, problem) : null, error);
    form.style.display = 'contents';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const target = agentSelect.value ? { userId: agentSelect.value }
        : departmentSelect.value ? { departmentId: departmentSelect.value } : null;
      if (!target) {
        error.textContent = 'Choose an agent or a department.';
        return;
      }
      this.run(error, () => this.onTransfer(target));
    });
    this.openPanel(form);
  }

  markClosed(comment) {
    this.entry.room.open = false;
    this.setState();
    this.showTyping(false);
    this.closePanel();
    this.actions.hidden = true;
    this.composer.hidden = true;
    this.closedNote.hidden = false;
    this.closedNote.textContent = comment ? `This chat is closed: ${comment}` : 'This chat is closed.';
  }
}
