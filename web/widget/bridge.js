// The widget's side of the postMessage link with the loader on the host page.
// Messages are accepted only from the embedding window, and sent only to its origin.

export class Bridge {
  constructor(hostOrigin) {
    this.origin = hostOrigin;
    this.parent = window.parent !== window ? window.parent : null;
  }

  get embedded() {
    return !!this.parent && !!this.origin;
  }

  post(type, payload = {}) {
    if (this.embedded) this.parent.postMessage({ src: 'pimentachat', type, ...payload }, this.origin);
  }

  /** Tell the host page's callbacks (onChatStarted, ...) that `name` happened. */
  event(name, data) {
    this.post('event', { event: name, data });
  }

  /** handler(fn, args) for each API call made on the host page. */
  listen(handler) {
    window.addEventListener('message', (e) => {
      if (!this.embedded || e.source !== this.parent || e.origin !== this.origin) return;
      const m = e.data;
      if (!m || m.src !== 'pimentachat' || typeof m.fn !== 'string') return;
      handler(m.fn, Array.isArray(m.args) ? m.args : []);
    });
  }
}
