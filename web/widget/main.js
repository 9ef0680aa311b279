// The widget inside its iframe: config, registration, chat, offline form; driven by the
// host page's API calls through the bridge, and by realtime frames from the server.

import { fill, h, randomId, serverRoot } from '../shared/dom.js';
import { ApiError, Rest } from '../shared/rest.js';
import { Realtime } from '../shared/socket.js';
import { appearance } from './appearance.js';
import { Bridge } from './bridge.js';
import { ChatView } from './chat.js';
import { offlineForm, registrationForm, unavailableNotice } from './forms.js';
import { COMMANDS, hostApi, isRegistered } from './host_api.js';
import { Store } from './store.js';

const HISTORY_LIMIT = 200; // messages shown when a chat is reopened after a reload
const CONFIG_RETRY_MAX_MS = 30000; // keep trying to reach the server, at most this far apart
const EARLY_FRAMES_KEPT = 100; // frames of a chat that arrive before the chat's id does
const SEND_RETRY_MAX_MS = 10000; // a message is retried (same _id, so never doubled) until it lands

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Widget {
  constructor() {
    const params = new URLSearchParams(location.search);
    this.host = params.get('origin') || '';
    this.root = serverRoot();
    this.rest = new Rest(this.root);
    this.bridge = new Bridge(this.host);
    this.store = new Store(this.host, (data) => this.bridge.post('store', { data }));
    this.config = null;
    this.guest = null; // the visitor as the server knows them (maybe not registered yet)
    this.known = false; // the server has a visitor for our token: the socket may connect
    this.room = null;
    this.agent = null;
    this.view = '';
    this.chat = null;
    this.maximized = !this.bridge.embedded;
    this.triggers = [];
    this.early = [];
    this.seen = new Set(); // answers counted as unread since the widget was last open
    this.lastPage = null;
    this.wanted = { theme: {}, department: '', name: '', email: '', customFields: [], agent: null };
    this.queue = Promise.resolve();
    this.socket = new Realtime({
      url: (seqs) => this.socketUrl(seqs),
      onFrame: (frame) => this.frame(frame),
      onState: (state) => this.connection(state),
    });
    this.els = {
      app: document.getElementById('app'),
      title: document.getElementById('title'),
      subtitle: document.getElementById('subtitle'),
      body: document.getElementById('body'),
      minimize: document.getElementById('minimize'),
    };
  }

  get token() {
    let token = this.store.get('token');
    if (!token) {
      token = randomId(24);
      this.store.set({ token });
    }
    return token;
  }

  async start() {
    this.bridge.listen((fn, args) => this.command(fn, args));
    this.els.minimize.hidden = !this.bridge.embedded;
    this.els.minimize.addEventListener('click', () => this.bridge.post('widget', { action: 'minimize' }));
    let wait = 1000;
    for (;;) {
      try {
        await this.loadConfig();
        break;
      } catch (err) {
        console.warn('pimentachat: cannot load the widget config', err);
        await sleep(wait);
        wait = Math.min(wait * 2, CONFIG_RETRY_MAX_MS);
      }
    }
    this.bridge.post('ready', { enabled: this.config.enabled !== false, theme: this.launcherTheme() });
  }

  command(fn, args) {
    if (!Object.hasOwn(COMMANDS, fn)) {
      console.warn(`pimentachat: unknown widget method ${fn}`);
      return;
    }
    this.queue = this.queue.then(() => COMMANDS[fn](this, ...args)).catch((err) => console.warn(err));
  }

  // ---- config and views -------------------------------------------------------------

  async loadConfig() {
    const token = this.store.get('token');
    const { config } = await this.rest.get('livechat/config', token ? { token } : {});
    this.config = config;
    if (!config.enabled) {
      this.view = 'disabled';
      fill(this.els.body, h('div', { class: 'notice' }, 'Livechat is not available.'));
      return;
    }
    this.guest = config.guest || null;
    this.known = !!this.guest;
    this.agent = config.agent || null;
    this.room = config.room && config.room.open ? config.room : null;
    if (this.room && this.store.get('rid') !== this.room._id) this.store.set({ rid: this.room._id, seq: 0 });
    this.applyTheme();
    await this.show();
    this.connect();
    if (!config.online && !this.room) this.bridge.event('no-agent-online');
  }

  async show() {
    this.applyTheme();
    if (this.room && this.room.open) return this.showChat();
    if (this.known && this.store.get('rid')) return this.showChat();
    if (!this.config.online) return this.showOffline();
    if (this.needsRegistration()) return this.showRegistration();
    return this.showChat();
  }

  needsRegistration() {
    const s = this.config.settings || {};
    return !isRegistered(this.guest) && s.registrationForm !== false;
  }

  showRegistration() {
    this.view = 'registration';
    const custom = {};
    for (const [key, value] of this.wanted.customFields) custom[key] = value;
    fill(this.els.body, this.triggerList(), registrationForm({
      config: this.config,
      prefill: { name: this.wanted.name, email: this.wanted.email, custom },
      fixedDepartment: this.wanted.department,
      onSubmit: (values) => this.register(values),
    }));
  }

  showOffline() {
    this.view = 'offline';
    const s = this.config.settings || {};
    fill(this.els.body, s.displayOfflineForm === false ? unavailableNotice(this.config) : offlineForm({
      config: this.config,
      prefill: { name: this.wanted.name, email: this.wanted.email },
      onSubmit: (values) => this.sendOfflineMessage(values),
    }));
  }

  async showChat() {
    this.view = 'chat';
    const s = this.config.settings || {};
    this.chat = new ChatView({
      isMine: (m) => !!m.token || (!!this.guest && m.u && m.u._id === this.guest._id),
      onSend: (text) => this.send(text),
      onTyping: (typing) => this.room && this.socket.send({ type: 'typing', rid: this.room._id, typing }),
      onClose: () => this.closeChat(),
      onTranscript: (email) => this.requestTranscript(email),
      onNewChat: () => this.newChat(),
      options: {
        showAgentInfo: s.showAgentInfo, showAgentEmail: s.showAgentEmail, limit: s.limitTextLength || 0,
        canClose: s.allowVisitorsToCloseConversation !== false, canTranscript: s.transcript !== false,
      },
    });
    fill(this.els.body, this.chat.el);
    for (const m of this.triggers) this.chat.upsert(m);
    const rid = this.room ? this.room._id : this.store.get('rid');
    if (rid) await this.loadHistory(rid);
    if (this.room && this.room.open) {
      this.chat.showActions(true);
      if (this.agent) this.chat.showAgent(this.agent);
      else if (this.room.status === 'queued') this.chat.showQueue((this.config.queueInfo || {}).spot || 0);
    } else if (rid) {
      this.showEnded();
    } else if (this.wanted.agent) {
      this.chat.showAgent(this.wanted.agent);
    }
    if (this.maximized) this.chat.focus();
  }

  showEnded() {
    const m = this.config.messages || {};
    this.chat.showEnded(m.conversationFinishedMessage, m.conversationFinishedText);
  }

  async loadHistory(rid) {
    try {
      const { messages } = await this.rest.get(`livechat/messages.history/${encodeURIComponent(rid)}`,
        { token: this.token, limit: HISTORY_LIMIT });
      for (const m of messages.slice().reverse()) this.chat.upsert(m);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) this.store.set({ rid: undefined, seq: undefined });
      else throw err;
    }
  }

  triggerList() {
    if (!this.triggers.length) return null;
    return h('ol', { class: 'messages triggers' }, this.triggers.map((m) => h('li', { class: 'message theirs' },
      h('span', { class: 'author' }, m.u ? m.u.name || m.u.username : ''), h('span', { class: 'text' }, m.msg))));
  }

  // ---- the visitor and the chat -----------------------------------------------------

  /** Create or update the visitor on the server with what the page and the form gave. */
  async saveGuest(values = {}) {
    const visitor = { token: this.token };
    for (const key of ['name', 'email', 'phone']) {
      const value = values[key] !== undefined ? values[key] : isRegistered(this.guest) ? undefined : this.wanted[key];
      if (value) visitor[key] = String(value);
    }
    const department = values.department !== undefined ? values.department : this.wanted.department;
    if (department) visitor.department = String(department);
    const custom = [...this.wanted.customFields.map(([key, value, overwrite]) => ({
      key: String(key), value: String(value ?? ''), overwrite: overwrite !== false,
    })), ...(values.customFields || [])];
    if (custom.length) visitor.customFields = custom;
    const { visitor: guest } = await this.rest.post('livechat/visitor', { visitor });
    const first = !this.known;
    this.guest = guest;
    this.known = true;
    this.wanted.customFields = [];
    this.connect();
    if (first && this.lastPage) this.pageVisited(this.lastPage);
    return guest;
  }

  async register(values) {
    await this.saveGuest(values);
    this.bridge.event('pre-chat-form-submit', values);
    await this.showChat();
  }

  async ensureRoom() {
    if (this.room && this.room.open) return this.room;
    if (!this.opening) this.opening = this.openRoom().finally(() => { this.opening = null; });
    return this.opening;
  }

  async openRoom() {
    if (!isRegistered(this.guest)) await this.saveGuest();
    const { room, newRoom } = await this.rest.get('livechat/room', { token: this.token });
    this.room = room;
    this.agent = null;
    if (this.store.get('rid') !== room._id) this.store.set({ rid: room._id, seq: 0 });
    this.applyTheme();
    if (this.chat) {
      this.chat.showOpen();
      this.chat.showActions(true);
      if (room.status === 'queued') this.chat.showQueue(0);
    }
    if (!newRoom || !this.socket.isOpen) this.connect(true); // a new chat is followed by the open socket
    if (newRoom) this.bridge.event('chat-started', { rid: room._id });
    for (const f of this.early.splice(0)) if (f.rid === room._id) this.frame(f);
    return room;
  }

  async send(text) {
    const guest = this.guest || {};
    const message = {
      _id: randomId(), rid: this.room ? this.room._id : '', msg: text, ts: new Date().toISOString(),
      token: this.token, u: { _id: guest._id, username: guest.username, name: guest.name },
    };
    this.chat.upsert(message, 'pending');
    let wait = 1000;
    for (;;) {
      try {
        const room = await this.ensureRoom();
        const { message: stored } = await this.rest.post('livechat/message',
          { token: this.token, rid: room._id, msg: text, _id: message._id });
        if (this.chat) this.chat.upsert(stored);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          if (this.chat) this.chat.upsert({ ...message, msg: `${text} (${err.message})` }, 'failed');
          return;
        }
        if (this.chat) this.chat.upsert(message, 'failed');
        await sleep(wait);
        wait = Math.min(wait * 2, SEND_RETRY_MAX_MS);
      }
    }
  }

  async closeChat() {
    if (!this.room) return;
    try {
      await this.rest.post('livechat/room.close', { token: this.token, rid: this.room._id });
    } catch (err) {
      if (!(err instanceof ApiError && err.body.errorType === 'room-closed')) throw err;
    }
    this.ended();
  }

  ended() {
    if (!this.room || !this.room.open) return;
    this.room = { ...this.room, open: false, status: 'closed' };
    if (this.chat) this.showEnded();
    this.applyTheme();
    this.bridge.event('chat-ended');
  }

  async newChat() {
    this.room = null;
    this.agent = null;
    this.triggers = [];
    this.store.set({ rid: undefined, seq: undefined });
    const { config } = await this.rest.get('livechat/config', { token: this.token });
    this.config = config;
    await this.show();
  }

  async requestTranscript(email) {
    if (!this.room && !this.store.get('rid')) throw new Error('There is no chat yet.');
    try {
      await this.rest.post('livechat/transcript',
        { token: this.token, rid: this.room ? this.room._id : this.store.get('rid'), email });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new Error('Transcripts are not available.');
      throw err;
    }
  }

  async sendOfflineMessage(values) {
    const body = { ...values };
    if (this.host) body.host = this.host;
    try {
      await this.rest.post('livechat/offline.message', body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new Error('Offline messages are not available.');
      throw err;
    }
    this.bridge.event('offline-form-submit', values);
  }

  // ---- realtime ---------------------------------------------------------------------

  /** Start the socket; `follow` reconnects it so that it follows the current chat. */
  connect(follow = false) {
    if (!this.known) return;
    const rid = this.room && this.room.open ? this.room._id : null;
    const seqs = rid && this.store.get('rid') === rid ? { [rid]: this.store.get('seq') || 0 } : {};
    if (follow) this.socket.restart(seqs);
    else this.socket.start(seqs);
  }

  socketUrl(seqs) {
    const url = new URL('api/v1/livechat/ws', this.root);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.token);
    // visitor-level frames (trigger messages) sent before this socket opened, when the server replays them
    url.searchParams.set('vsince', this.store.get('vseq') || 0);
    if (this.room && this.room.open) {
      url.searchParams.set('rid', this.room._id);
      if (seqs[this.room._id]) url.searchParams.set('since', seqs[this.room._id]);
    }
    return url.href;
  }

  connection(state) {
    this.els.app.dataset.connection = state;
    this.els.app.dataset.connects = String(this.socket.connects);
    if (state === 'unauthorized') { // the server forgot this visitor: register again
      this.guest = null;
      this.known = false;
    }
  }

  frame(f) {
    if (f.type === 'config') { // a manager switched Livechat off or on, or restyled it
      this.configChanged(f.enabled);
      return;
    }
    if (f.rid === null || f.rid === undefined) {
      if (typeof f.seq === 'number' && f.seq > (this.store.get('vseq') || 0)) this.store.set({ vseq: f.seq });
      if (f.type === 'message' && f.message) this.triggerMessage(f.message);
      return;
    }
    if (!this.room || f.rid !== this.room._id) {
      // a new chat's first frames can beat the answer that names the chat
      if (this.early.length < EARLY_FRAMES_KEPT) this.early.push(f);
      return;
    }
    if (f.type !== 'typing' && typeof f.seq === 'number') this.store.set({ seq: this.socket.lastSeq[f.rid] });
    switch (f.type) {
      case 'message': {
        const known = !!this.chat && this.chat.has(f.message._id); // a replay of what history showed
        if (this.chat) this.chat.upsert(f.message);
        if (!f.message.token && !known) {
          if (this.chat) this.chat.showTyping(false);
          this.countUnread(f.message);
        }
        break;
      }
      case 'agent':
        this.agent = f.agent;
        this.room.status = 'taken';
        if (this.chat) this.chat.showAgent(f.agent);
        this.bridge.event('assign-agent', f.agent);
        break;
      case 'queue':
        if (this.chat && !this.agent) this.chat.showQueue(f.position);
        this.bridge.event('queue-position-change', { position: f.position });
        break;
      case 'status':
        this.bridge.event('agent-status-change', { status: f.status });
        break;
      case 'typing':
        if (!f.visitor && this.chat) {
          const name = this.agent && this.agent._id === f.agent_id ? this.agent.name || this.agent.username : f.username;
          this.chat.showTyping(!!f.typing, name);
        }
        break;
      case 'closed':
        this.ended();
        break;
      default:
        break;
    }
  }

  async configChanged(enabled) {
    if (!enabled) {
      this.config = { ...this.config, enabled: false };
      this.view = 'disabled';
      fill(this.els.body, h('div', { class: 'notice' }, 'Livechat is not available.'));
      this.bridge.post('widget', { action: 'disable' });
      return;
    }
    await this.loadConfig();
    this.bridge.post('widget', { action: 'enable' });
    this.bridge.post('ready', { enabled: true, theme: this.launcherTheme() });
  }

  /** A new answer while the widget is minimized shows as a count on the launcher. */
  countUnread(message) {
    if (this.maximized || message.t || this.seen.has(message._id)) return;
    this.seen.add(message._id);
    this.bridge.post('widget', { action: 'unread', count: this.seen.size });
  }

  triggerMessage(message) {
    if (this.triggers.some((m) => m._id === message._id)) return;
    this.triggers.push(message);
    if (this.view === 'chat' && this.chat) this.chat.upsert(message);
    else if (this.view === 'registration') this.showRegistration();
    if (!this.maximized) this.bridge.post('widget', { action: 'maximize' });
  }
}

Object.assign(Widget.prototype, hostApi, appearance);

const widget = new Widget();
window.pimentaWidget = widget; // for debugging in the iframe's console
widget.start();
