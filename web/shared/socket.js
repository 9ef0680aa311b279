// The realtime channel: one WebSocket that reconnects by itself and resumes with `since`,
// so a dropped network loses no frame and repeats none.

const RETRY_MIN_MS = 500; // first retry soon: most drops are a blip
const RETRY_MAX_MS = 10000; // never wait longer than this between tries
const SILENCE_MS = 65000; // the server sends at least a ping every 25 s; past this the link is dead
const CLOSE_UNAUTHORIZED = 4401;

export class Realtime {
  /**
   * url(seqs) builds the socket URL from the last seq seen per room;
   * onFrame(frame) gets each new frame once; onState('open'|'closed'|'unauthorized').
   */
  constructor({ url, onFrame, onState = () => {} }) {
    this.buildUrl = url;
    this.onFrame = onFrame;
    this.onState = onState;
    this.lastSeq = {};
    this.ws = null;
    this.stopped = true;
    this.retryMs = RETRY_MIN_MS;
    this.timer = null;
    this.watchdog = null;
    this.connects = 0;
    this.waiting = [];
    this.online = () => this.reconnectNow();
    this.offline = () => this.ws && this.ws.close();
  }

  start(seqs = {}) {
    Object.assign(this.lastSeq, seqs);
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener('online', this.online);
    addEventListener('offline', this.offline);
    this.connect();
  }

  /** Reconnect now (the URL changed, e.g. a chat to follow). */
  restart(seqs = {}) {
    if (this.stopped) return this.start(seqs);
    Object.assign(this.lastSeq, seqs);
    clearTimeout(this.timer);
    this.retryMs = RETRY_MIN_MS;
    this.connect();
    return undefined;
  }

  stop() {
    this.stopped = true;
    removeEventListener('online', this.online);
    removeEventListener('offline', this.offline);
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    if (this.ws) this.ws.close();
    this.ws = null;
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Resolves true once the socket is open, or false after `timeoutMs`. */
  whenOpen(timeoutMs) {
    if (this.isOpen) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      setTimeout(() => resolve(false), timeoutMs);
    });
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  reconnectNow() {
    if (this.stopped || this.isOpen) return;
    clearTimeout(this.timer);
    this.retryMs = RETRY_MIN_MS;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
    }
    const ws = new WebSocket(this.buildUrl({ ...this.lastSeq }));
    this.ws = ws;
    ws.onopen = () => {
      this.connects += 1;
      this.retryMs = RETRY_MIN_MS;
      this.feed();
      this.onState('open');
      for (const resolve of this.waiting.splice(0)) resolve(true);
    };
    ws.onmessage = (event) => {
      this.feed();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (this.isNew(frame)) this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      clearTimeout(this.watchdog);
      this.ws = null;
      if (event.code === CLOSE_UNAUTHORIZED) {
        this.stopped = true;
        this.onState('unauthorized');
        return;
      }
      this.onState('closed');
      this.schedule();
    };
  }

  schedule() {
    if (this.stopped) return;
    const wait = this.retryMs * (0.75 + Math.random() / 2);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  feed() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ws && this.ws.close(), SILENCE_MS);
  }

  /** Room frames are numbered; one already seen (a replay overlapping a live copy) is dropped. */
  isNew(frame) {
    if (!frame.rid || typeof frame.seq !== 'number' || frame.type === 'typing') return true;
    if (frame.seq <= (this.lastSeq[frame.rid] || 0)) return false;
    this.lastSeq[frame.rid] = frame.seq;
    return true;
  }
}
