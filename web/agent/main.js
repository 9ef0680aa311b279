// The agent console: login, availability, the queue, my chats, and the open conversation,
// all kept live by one realtime socket.

import { fill, formatTime, h, randomId, serverRoot } from '../shared/dom.js';
import { ApiError, Rest } from '../shared/rest.js';
import { Realtime } from '../shared/socket.js';
import { RoomView } from './room.js';
import { SessionStore, authHeaders } from '../shared/session.js';
import { visitorPanel } from './visitor.js';

const sessions = new SessionStore('pimentachat:agent-session');

const HISTORY_LIMIT = 200; // messages loaded when a chat is opened
const QUEUE_REFRESH_MS = 150; // several queue changes in a burst cause one refresh
const NAVIGATION = 'livechat_navigation_history';

const $ = (id) => document.getElementById(id);

class Console {
  constructor() {
    this.root = serverRoot();
    this.session = sessions.load();
    this.rest = new Rest(this.root, () => authHeaders(this.session));
    this.me = null;
    this.rooms = new Map(); // rid -> {room, visitor, messages: Map, unread, loaded}
    this.inquiries = [];
    this.selected = null;
    this.view = null;
    this.departments = new Map();
    this.socket = new Realtime({
      url: (seqs) => this.socketUrl(seqs),
      onFrame: (frame) => this.frame(frame),
      onState: (state) => this.connection(state),
    });
  }

  async start() {
    $('login-form').addEventListener('submit', (e) => this.login(e));
    $('logout').addEventListener('click', () => this.logout());
    $('availability').addEventListener('click', () => this.toggleAvailability());
    if (!this.session) return this.showLogin();
    try {
      await this.enter();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        sessions.clear();
        this.session = null;
        return this.showLogin();
      }
      throw err;
    }
    return undefined;
  }

  showLogin() {
    $('console').hidden = true;
    $('login-view').hidden = false;
    document.querySelector('#login-form input[name=user]').focus();
  }

  async login(e) {
    e.preventDefault();
    const form = e.target;
    $('login-error').textContent = '';
    try {
      this.session = await sessions.logIn(this.rest, form.user.value.trim(), form.password.value);
      form.password.value = '';
      await this.enter();
    } catch (err) {
      $('login-error').textContent = err instanceof ApiError && err.status === 401
        ? 'Wrong username or password.' : err.message;
    }
  }

  async logout() {
    this.socket.stop();
    await sessions.logOut(this.rest);
    location.reload();
  }

  async enter() {
    this.me = await this.rest.get('me');
    $('me').textContent = this.me.name || this.me.username;
    $('login-view').hidden = true;
    $('console').hidden = false;
    this.showAvailability(this.me.statusLivechat);
    await Promise.all([this.refreshQueue(), this.loadRooms(), this.loadDepartments()]);
    this.socket.start();
  }

  // ---- availability -----------------------------------------------------------------

  showAvailability(status) {
    const on = status === 'available';
    const button = $('availability');
    button.setAttribute('aria-checked', String(on));
    button.textContent = on ? 'Available' : 'Not available';
  }

  async toggleAvailability() {
    const next = $('availability').getAttribute('aria-checked') === 'true' ? 'not-available' : 'available';
    const { status } = await this.rest.post('livechat/agent.status', { status: next });
    this.me.statusLivechat = status;
    this.showAvailability(status);
  }

  // ---- queue --------------------------------------------------------------------------

  async refreshQueue() {
    const { inquiries } = await this.rest.get('livechat/inquiries.queued');
    this.inquiries = inquiries;
    this.renderQueue();
  }

  scheduleQueueRefresh() {
    clearTimeout(this.queueTimer);
    this.queueTimer = setTimeout(() => this.refreshQueue().catch((e) => console.warn(e)), QUEUE_REFRESH_MS);
  }

  renderQueue() {
    $('queue-count').textContent = String(this.inquiries.length);
    fill($('queue'), this.inquiries.length ? this.inquiries.map((q) => h('li', { dataset: { rid: q.rid } },
      h('span', { class: 'name' }, q.name || q.v.username,
        h('span', { class: 'sub' }, `waiting since ${formatTime(q.ts)}`,
          q.department ? ` · ${this.departments.get(q.department) || ''}` : '')),
      h('button', { type: 'button', class: 'primary take', onclick: () => this.take(q) }, 'Take')))
      : h('li', { class: 'empty-row' }, 'Nobody is waiting.'));
  }

  async take(inquiry) {
    try {
      const { room } = await this.rest.post('livechat/inquiries.take', { inquiryId: inquiry._id });
      await this.addRoom(room._id, room);
      this.select(room._id);
    } catch (err) {
      alertLine(err.message);
    }
    this.scheduleQueueRefresh();
  }

  // ---- my chats -----------------------------------------------------------------------

  async loadRooms() {
    const { rooms } = await this.rest.get('livechat/rooms', { open: 'true', 'agents[]': [this.me._id] });
    await Promise.all(rooms.map((room) => this.addRoom(room._id, room)));
    this.renderChats();
  }

  async loadDepartments() {
    try {
      const { departments } = await this.rest.get('livechat/transfer.targets');
      this.departments = new Map(departments.map((d) => [d._id, d.name]));
      this.departmentList = departments;
    } catch {
      this.departmentList = null;
    }
  }

  entry(rid) {
    if (!this.rooms.has(rid)) {
      this.rooms.set(rid, { room: { _id: rid, open: true, fname: '' }, visitor: null, messages: new Map(), unread: 0,
        loaded: false });
    }
    return this.rooms.get(rid);
  }

  /** Fetch a chat (and its history) that is now mine; frames that came first are kept. */
  async addRoom(rid, room) {
    const entry = this.entry(rid);
    if (room) entry.room = room;
    try {
      const info = await this.rest.get('livechat/room.info', { rid });
      entry.room = info.room;
      entry.visitor = info.visitor;
      const { messages } = await this.rest.get(`livechat/messages.history/${encodeURIComponent(rid)}`,
        { limit: HISTORY_LIMIT });
      for (const m of messages) if (!entry.messages.has(m._id)) entry.messages.set(m._id, m);
      entry.loaded = true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) this.rooms.delete(rid); // not mine after all
      else throw err;
    }
    this.renderChats();
    if (this.selected === rid) this.select(rid);
  }

  removeRoom(rid) {
    this.rooms.delete(rid);
    if (this.selected === rid) {
      this.selected = null;
      this.view = null;
      fill($('room'), h('div', { class: 'empty' }, 'The chat was transferred.'));
      fill($('visitor-info'));
    }
    this.renderChats();
  }

  renderChats() {
    const open = [...this.rooms.values()].filter((e) => e.room.open);
    $('chats-count').textContent = String(open.length);
    fill($('chats'), open.length ? open.map((e) => h('li', {
      class: e.room._id === this.selected ? 'selected' : '', dataset: { rid: e.room._id },
    }, h('button', { type: 'button', class: 'open-chat', onclick: () => this.select(e.room._id) },
      h('span', { class: 'name' }, e.room.fname || (e.visitor && e.visitor.name) || 'Visitor'),
      h('span', { class: 'sub' }, lastLine(e))),
    e.unread ? h('span', { class: 'unread' }, String(e.unread)) : null))
      : h('li', { class: 'empty-row' }, 'No open chats.'));
  }

  select(rid) {
    const entry = this.rooms.get(rid);
    if (!entry) return;
    if (this.view) this.view.stopTyping();
    this.selected = rid;
    entry.unread = 0;
    this.view = new RoomView({
      me: this.me._id,
      entry,
      onSend: (text) => this.send(rid, text),
      onTyping: (typing) => this.socket.send({ type: 'typing', rid, typing }),
      onClose: (values) => this.close(rid, values),
      onTransfer: (target) => this.transfer(rid, target),
      loadTargets: () => this.transferTargets(),
    });
    fill($('room'), this.view.el);
    this.renderVisitor(entry);
    this.renderChats();
    this.view.input.focus();
    this.loadPages(entry).catch((err) => console.warn(err));
  }

  async loadPages(entry) {
    const rid = entry.room._id;
    const { pages } = await this.rest.get(`livechat/visitors.pagesVisited/${encodeURIComponent(rid)}`);
    entry.pages = pages;
    if (this.selected === rid) this.renderVisitor(entry);
  }

  renderVisitor(entry) {
    const pages = [...(entry.pages || []), ...[...entry.messages.values()].filter((m) => m.t === NAVIGATION)];
    fill($('visitor-info'), visitorPanel({ room: entry.room, visitor: entry.visitor, departments: this.departments,
      pages }));
  }

  async send(rid, text) {
    const message = { _id: randomId(), rid, msg: text };
    const entry = this.rooms.get(rid);
    try {
      const { message: stored } = await this.rest.post('chat.sendMessage', { message });
      this.message(stored);
    } catch (err) {
      if (entry && this.selected === rid) alertLine(`Not sent: ${err.message}`);
    }
  }

  async close(rid, { comment, tags }) {
    await this.rest.post('livechat/room.closeByUser', { rid, comment, ...(tags.length ? { tags } : {}) });
    this.closed(rid, comment);
  }

  async transfer(rid, target) {
    const entry = this.rooms.get(rid);
    if (entry) entry.transferring = true;
    try {
      await this.rest.post('livechat/room.forward', { roomId: rid, ...target });
    } catch (err) {
      if (entry) entry.transferring = false;
      throw err;
    }
    // unless the department handed it straight back to me (an `agent` frame cleared the flag)
    if (entry && entry.transferring) this.removeRoom(rid);
  }

  async transferTargets() {
    try {
      const { agents, departments } = await this.rest.get('livechat/transfer.targets');
      this.departmentList = departments;
      return { agents, departments, problem: '' };
    } catch (err) {
      return { agents: [], departments: [], problem: `Cannot list transfer targets: ${err.message}` };
    }
  }

  // ---- realtime -----------------------------------------------------------------------

  socketUrl(seqs) {
    const url = new URL('api/v1/livechat/ws', this.root);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('userId', this.session.userId);
    url.searchParams.set('authToken', this.session.authToken);
    const since = Object.entries(seqs).filter(([rid]) => this.rooms.has(rid)).map(([rid, seq]) => `${rid}:${seq}`);
    if (since.length) url.searchParams.set('since', since.join(','));
    return url.href;
  }

  connection(state) {
    $('connection').dataset.state = state;
    if (state === 'open') this.scheduleQueueRefresh();
    if (state === 'unauthorized') {
      sessions.clear();
      location.reload();
    }
  }

  frame(f) {
    switch (f.type) {
      case 'inquiry':
        this.scheduleQueueRefresh();
        break;
      case 'message':
        if (f.message) this.message(f.message);
        break;
      case 'agent':
        if (f.agent && f.agent._id === this.me._id) {
          if (this.rooms.has(f.rid)) this.rooms.get(f.rid).transferring = false;
          if (!this.rooms.has(f.rid) || !this.rooms.get(f.rid).loaded) this.addRoom(f.rid).catch(console.warn);
          this.scheduleQueueRefresh();
        }
        break; // a chat handed to someone else goes with a `removed` frame (replays hold old `agent` ones)
      case 'removed':
        if (this.rooms.has(f.rid)) this.removeRoom(f.rid);
        break;
      case 'typing':
        if (f.visitor && this.selected === f.rid && this.view) this.view.showTyping(!!f.typing);
        break;
      case 'closed':
        this.closed(f.rid, f.comment);
        break;
      default:
        break;
    }
  }

  message(m) {
    const entry = this.rooms.get(m.rid);
    if (!entry || entry.messages.has(m._id)) {
      if (entry && this.selected === m.rid && this.view) this.view.upsert(m);
      return;
    }
    entry.messages.set(m._id, m);
    if (this.selected === m.rid && this.view) {
      this.view.upsert(m);
      if (m.t === NAVIGATION) this.renderVisitor(entry);
    } else if (!m.t && m.token) {
      entry.unread += 1;
    }
    this.renderChats();
  }

  closed(rid, comment) {
    const entry = this.rooms.get(rid);
    if (!entry) return;
    entry.room.open = false;
    if (this.selected === rid && this.view) this.view.markClosed(comment);
    this.renderChats();
  }
}

function lastLine(entry) {
  const last = [...entry.messages.values()].filter((m) => !m.t).sort((a, b) => (a.ts < b.ts ? 1 : -1))[0];
  return last ? last.msg.slice(0, 60) : 'No messages yet';
}

function alertLine(text) {
  const line = h('div', { class: 'form-error', role: 'alert' }, text);
  $('room').prepend(line);
  setTimeout(() => line.remove(), 5000);
}

new Console().start();
