// What the widget remembers between page loads, per host site: the visitor's token,
// their last chat and the last frame seen in it.
//
// It lives in the iframe's localStorage, keyed by the host site. Browsers that block storage
// in third-party frames (private windows, strict privacy settings) get a copy kept by the loader
// in the host site's own storage: it arrives in the URL fragment and every change is sent back.

const PREFIX = 'pimentachat:';

function storage() {
  try {
    const probe = `${PREFIX}probe`;
    localStorage.setItem(probe, '1');
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return null;
  }
}

function parse(text) {
  try {
    const value = JSON.parse(text || '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

/** The state the loader handed over in `#state=...`, removed from the URL once read. */
function fromFragment() {
  const match = /(?:^#|&)state=([^&]*)/.exec(location.hash);
  if (!match) return {};
  history.replaceState(null, '', location.pathname + location.search);
  return parse(decodeURIComponent(match[1]));
}

export class Store {
  /** `mirror(data)` gets every change (the bridge sends it to the loader). */
  constructor(host, mirror = () => {}) {
    this.key = PREFIX + (host || 'direct');
    this.backend = storage();
    this.mirror = mirror;
    const handed = fromFragment();
    const own = this.backend ? parse(this.backend.getItem(this.key)) : {};
    this.data = own.token ? own : handed;
  }

  get(name) {
    return this.data[name];
  }

  set(values) {
    Object.assign(this.data, values);
    for (const [name, value] of Object.entries(values)) if (value === undefined) delete this.data[name];
    this.save();
  }

  clear() {
    this.data = {};
    this.save();
  }

  save() {
    if (this.backend) this.backend.setItem(this.key, JSON.stringify(this.data));
    this.mirror(this.data);
  }
}
