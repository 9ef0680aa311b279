// The manager console: login, the refusal for anyone who does not manage Livechat, and one page per
// part of the configuration, chosen by the URL's hash (#/departments) so every page can be linked.

import { fill, h, serverRoot } from '../shared/dom.js';
import { ApiError, Rest } from '../shared/rest.js';
import appearance from './pages/appearance.js';
import chats from './pages/chats.js';
import customFields from './pages/custom_fields.js';
import departments from './pages/departments.js';
import installation from './pages/installation.js';
import offline from './pages/offline.js';
import rules from './pages/rules.js';
import settings from './pages/settings.js';
import triggers from './pages/triggers.js';
import users from './pages/users.js';
import webhooks from './pages/webhooks.js';
import { SessionStore, authHeaders } from '../shared/session.js';
import { errorText } from './ui.js';

const sessions = new SessionStore('pimentachat:manager-session');

const PAGES = [settings, users, departments, triggers, rules, customFields, installation, appearance, webhooks,
  chats, offline];
const MANAGER_ROLES = ['admin', 'livechat-manager'];

const $ = (id) => document.getElementById(id);

/** The REST client; a 401 anywhere sends the manager back to the login, a 403 to the refusal. */
class ManagerRest extends Rest {
  constructor(root, headers, onDenied) {
    super(root, headers);
    this.onDenied = onDenied;
  }

  async request(method, path, options) {
    try {
      return await super.request(method, path, options);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) this.onDenied(err.status);
      throw err;
    }
  }

  put(path, body) {
    return this.request('PUT', path, { body });
  }

  delete(path) {
    return this.request('DELETE', path);
  }
}

class ManagerConsole {
  constructor() {
    this.session = sessions.load();
    this.rest = new ManagerRest(serverRoot(), () => authHeaders(this.session), (status) => this.denied(status));
    this.me = null;
    this.visit = 0; // increases on every navigation: a page still loading for an older visit stops
    this.cleanups = [];
  }

  async start() {
    $('login-form').addEventListener('submit', (e) => this.login(e));
    $('logout').addEventListener('click', () => this.logout());
    $('refused-logout').addEventListener('click', () => this.logout());
    window.addEventListener('hashchange', () => this.route());
    if (!this.session) return this.show('login-view');
    try {
      return await this.enter();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return undefined;
      throw err;
    }
  }

  show(view) {
    for (const id of ['login-view', 'refused-view', 'console']) $(id).hidden = id !== view;
    if (view === 'login-view') document.querySelector('#login-form input[name=user]').focus();
  }

  denied(status) {
    this.leavePage();
    if (status === 401) {
      sessions.clear();
      this.session = null;
      this.show('login-view');
    } else {
      this.show('refused-view');
    }
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
      if (!this.session) {
        $('login-view').hidden = false;
        $('login-error').textContent = err instanceof ApiError && err.status === 401
          ? 'Wrong username or password.' : errorText(err);
      }
    }
  }

  async logout() {
    this.leavePage();
    await sessions.logOut(this.rest);
    location.reload();
  }

  async enter() {
    this.me = await this.rest.get('me');
    const name = this.me.name || this.me.username;
    if (!MANAGER_ROLES.some((role) => (this.me.roles || []).includes(role))) {
      $('refused-text').textContent = `${name} is not a Livechat manager: only managers and administrators can `
        + 'use the manager console.';
      this.show('refused-view');
      return;
    }
    $('me').textContent = name;
    this.drawNav();
    this.show('console');
    await this.route();
  }

  drawNav() {
    const link = (page) => h('a', {
      href: `#/${page.id}`,
      id: `nav-${page.id}`,
      onclick: (e) => { // the page already shown: load it afresh (no hashchange would)
        if (location.hash === `#/${page.id}`) {
          e.preventDefault();
          this.route();
        }
      },
    }, page.title);
    fill($('nav'), h('ul', {}, PAGES.map((page) => h('li', {}, link(page)))));
  }

  leavePage() {
    this.visit += 1;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  async route() {
    if ($('console').hidden) return;
    const wanted = location.hash.replace(/^#\/?/, '').split('?')[0];
    const page = PAGES.find((p) => p.id === wanted) || PAGES[0];
    this.leavePage();
    const visit = this.visit;
    for (const link of $('nav').querySelectorAll('a')) {
      if (link.id === `nav-${page.id}`) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${page.title} — Manager console — pimentaCHAT Livechat`;
    const heading = h('h1', { tabindex: -1 }, page.title);
    const body = h('div', { class: 'page-body' }, h('p', { class: 'loading' }, 'Loading…'));
    fill($('page'), heading, body);
    $('page').dataset.page = page.id;
    heading.focus();
    const ctx = {
      rest: this.rest,
      me: this.me,
      root: serverRoot(),
      current: () => visit === this.visit,
      every: (ms, fn) => {
        const timer = setInterval(() => { if (visit === this.visit) fn(); }, ms);
        this.cleanups.push(() => clearInterval(timer));
      },
      onLeave: (fn) => this.cleanups.push(fn),
    };
    try {
      const content = await page.render(ctx);
      if (visit === this.visit) fill(body, content);
    } catch (err) {
      if (visit === this.visit && !(err instanceof ApiError && (err.status === 401 || err.status === 403))) {
        fill(body, h('p', { class: 'form-error', role: 'alert' }, `This page could not load: ${errorText(err)}`));
      }
    }
  }
}

new ManagerConsole().start().catch((err) => console.error('pimentachat manager console:', err));
