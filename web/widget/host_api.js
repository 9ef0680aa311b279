// The host page's JavaScript API as the widget carries it out (SPEC §7): the calls the loader
// relays, by name. Mixed into the Widget class, so `this` is the widget.

const SOCKET_WAIT_MS = 3000; // how long a page view waits for the socket, so its trigger is heard live

/** A visitor the page tracking created has no name or email yet: they still fill in the form. */
export const isRegistered = (guest) => !!guest && !!(guest.name || (guest.visitorEmails && guest.visitorEmails.length));

// The host page's API, by name: nothing else can be called through the bridge.
export const COMMANDS = {
  setCustomField: (w, key, value = '', overwrite = true) => w.setCustomFields([[key, value, overwrite]]),
  setCustomFields: (w, list) => w.setCustomFields(Array.isArray(list) ? list : []),
  setTheme: (w, theme) => w.setTheme(theme),
  setDepartment: (w, department) => w.setDepartment(department),
  clearDepartment: (w) => w.setDepartment(''),
  setGuestToken: (w, token) => w.setGuestToken(token),
  setGuestName: (w, name) => w.updateGuest({ name }),
  setGuestEmail: (w, email) => w.updateGuest({ email }),
  registerGuest: (w, data) => w.registerGuest(data),
  setAgent: (w, agent) => w.setAgent(agent),
  setLanguage: (w, language) => w.setLanguage(language),
  pageVisited: (w, info) => w.pageVisited(info),
  setParentUrl: () => undefined,
  maximizeWidget: (w, byVisitor) => w.setMaximized(true, byVisitor === true),
  minimizeWidget: (w) => w.setMaximized(false),
  initialize: (w, params) => w.initialize(params || {}),
};

// `initialize({...})`: each key is one of the calls above (Rocket.Chat's names).
export const INITIALIZE = {
  customField: (w, v) => w.setCustomFields([[v.key, v.value, v.overwrite]]),
  setCustomFields: (w, v) => w.setCustomFields(Array.isArray(v) ? v : []),
  theme: (w, v) => w.setTheme(v),
  department: (w, v) => w.setDepartment(v),
  guestToken: (w, v) => w.setGuestToken(v),
  guestName: (w, v) => w.updateGuest({ name: v }),
  guestEmail: (w, v) => w.updateGuest({ email: v }),
  registerGuest: (w, v) => w.registerGuest(v),
  language: (w, v) => w.setLanguage(v),
  agent: (w, v) => w.setAgent(v),
};

export const hostApi = {
  async setCustomFields(list) {
    const fields = list.filter((f) => Array.isArray(f) && f[0]);
    if (!fields.length) return;
    this.wanted.customFields.push(...fields);
    if (this.known) await this.saveGuest();
  },

  setTheme(theme) {
    if (!theme || typeof theme !== 'object') return;
    Object.assign(this.wanted.theme, theme);
    this.applyTheme();
  },

  async setDepartment(department) {
    this.wanted.department = department ? String(department) : '';
    if (isRegistered(this.guest) && !(this.room && this.room.open) && this.wanted.department) {
      await this.saveGuest({ department: this.wanted.department });
    }
    if (this.view === 'registration') this.showRegistration();
  },

  async setGuestToken(token) {
    if (!token || token === this.store.get('token')) return;
    this.socket.stop();
    this.store.clear();
    this.store.set({ token: String(token) });
    this.room = null;
    this.guest = null;
    this.known = false;
    await this.loadConfig();
  },

  async updateGuest(values) {
    Object.assign(this.wanted, values);
    if (isRegistered(this.guest)) await this.saveGuest(values);
    else if (this.view === 'registration') this.showRegistration();
  },

  async registerGuest(data) {
    if (!data || typeof data !== 'object') return;
    if (data.token && data.token !== this.store.get('token')) await this.setGuestToken(data.token);
    await this.saveGuest({ name: data.name, email: data.email, phone: data.phone, department: data.department });
    if (this.view !== 'chat') await this.show();
  },

  setAgent(agent) {
    if (!agent || typeof agent !== 'object') return;
    this.wanted.agent = agent;
    if (this.chat && !this.agent && !this.room) this.chat.showAgent(agent);
  },

  setLanguage(language) {
    if (typeof language === 'string' && /^[A-Za-z-]{2,20}$/.test(language)) document.documentElement.lang = language;
  },

  /** Report the host page the visitor is on (this also makes the server know the visitor, so
   * that triggers can talk to them before they register). */
  async pageVisited(info) {
    if (!info || !info.location || !info.location.href || this.config.enabled === false) return;
    this.lastPage = info;
    const body = { token: this.token, pageInfo: info };
    if (this.room && this.room.open) body.rid = this.room._id;
    if (this.known) await this.socket.whenOpen(SOCKET_WAIT_MS); // be listening when a trigger answers
    await this.tell('livechat/page.visited', body);
  },

  /** `byVisitor`: the visitor clicked the launcher (not the site's script, not a trigger). */
  async setMaximized(on, byVisitor = false) {
    this.maximized = on;
    if (!on) return;
    if (this.seen.size) {
      this.seen.clear();
      this.bridge.post('widget', { action: 'unread', count: 0 });
    }
    if (this.chat) this.chat.focus();
    if (this.view === 'offline') await this.recheckOnline();
    if (!byVisitor) return;
    const body = { token: this.token };
    if (this.room && this.room.open) body.rid = this.room._id;
    await this.tell('livechat/widget.opened', body); // `chat-opened-by-visitor` triggers
  },

  /** The offline form was up: maybe an agent came online since. */
  async recheckOnline() {
    const { config } = await this.rest.get('livechat/config', { token: this.token });
    if (!config.enabled || !config.online) return;
    this.config = config;
    await this.show();
  },

  /** Best-effort reports (page views, widget opened); the server creates the visitor on the first. */
  async tell(path, body) {
    try {
      await this.rest.post(path, body);
    } catch {
      return;
    }
    if (!this.known) {
      this.known = true;
      this.connect();
    }
  },

  async initialize(params) {
    for (const [name, value] of Object.entries(params)) {
      if (Object.hasOwn(INITIALIZE, name)) await INITIALIZE[name](this, value);
    }
  },
};
