/* pimentaCHAT Livechat loader: draws the launcher and the widget iframe, and exposes
   window.pimentachat's API to the host page. It adds no other global and registers no AMD module,
   so it runs beside RequireJS (Magento 2). */
(function (w, d) {
  'use strict';
  var stub = w.pimentachat;
  if (!stub || stub.livechat || !stub.url) return; // no snippet, or loaded twice

  var frameUrl, origin;
  try {
    frameUrl = new URL(stub.url, d.baseURI);
    origin = frameUrl.origin;
    frameUrl.searchParams.set('origin', location.origin);
  } catch (e) {
    return;
  }
  // Browsers that block storage in third-party frames keep the widget's state here instead,
  // in this site's storage: handed to the frame in its URL fragment, updated by its messages.
  var KEY = 'pimentachat:' + origin;
  try {
    var saved = w.localStorage.getItem(KEY);
    if (saved) frameUrl.hash = 'state=' + encodeURIComponent(saved);
  } catch (e) { /* storage unavailable: the widget starts fresh */ }

  var P = 'pimentachat-';
  var CSS = '.' + P + 'widget{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;' +
    'flex-direction:column;align-items:flex-end;gap:12px}' +
    '.' + P + 'left{right:auto;left:20px;align-items:flex-start}' +
    '.' + P + 'frame{display:none;border:0;width:370px;max-width:calc(100vw - 40px);height:560px;' +
    'max-height:calc(100vh - 110px);border-radius:10px;background:#fff;box-shadow:0 8px 28px rgba(0,0,0,.28)}' +
    '.' + P + 'open .' + P + 'frame{display:block}' +
    '.' + P + 'launcher{width:56px;height:56px;border:0;border-radius:50%;padding:0;cursor:pointer;display:flex;' +
    'align-items:center;justify-content:center;position:relative;color:#fff;background:#C1272D;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.3)}' +
    '.' + P + 'launcher svg{width:28px;height:28px;fill:currentColor}' +
    '.' + P + 'badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;' +
    'background:#fff;color:#C1272D;font:bold 12px/20px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)}' +
    '.' + P + 'hidden,.' + P + 'launcher[hidden],.' + P + 'badge[hidden]{display:none!important}' +
    '@media (max-width:480px){.' + P + 'open{inset:0}.' + P + 'open .' + P + 'frame{width:100vw;height:100vh;' +
    'max-width:none;max-height:none;border-radius:0}.' + P + 'open .' + P + 'launcher{display:none}}';
  var ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z';
  var ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

  var METHODS = ['setCustomField', 'setCustomFields', 'setTheme', 'setDepartment', 'clearDepartment',
    'setGuestToken', 'setGuestName', 'setGuestEmail', 'registerGuest', 'setAgent', 'setLanguage',
    'pageVisited', 'initialize', 'setParentUrl'];
  var CALLBACKS = {
    onChatMaximized: 'chat-maximized', onChatMinimized: 'chat-minimized', onChatStarted: 'chat-started',
    onChatEnded: 'chat-ended', onPrechatFormSubmit: 'pre-chat-form-submit',
    onOfflineFormSubmit: 'offline-form-submit', onWidgetShown: 'show-widget', onWidgetHidden: 'hide-widget',
    onAssignAgent: 'assign-agent', onAgentStatusChange: 'agent-status-change',
    onQueuePositionChange: 'queue-position-change', onServiceOffline: 'no-agent-online'
  };

  var api = {};
  var listeners = {};
  var outbox = [];
  var ready = false, enabled = false, hidden = false, open = false;
  var theme = {};
  var box, frame, launcher, icon, badge;
  stub.livechat = api;

  function post(fn, args) {
    var message;
    try {
      message = { src: 'pimentachat', fn: fn, args: JSON.parse(JSON.stringify(args || [])) };
    } catch (e) {
      return;
    }
    if (ready) frame.contentWindow.postMessage(message, origin);
    else outbox.push(message);
  }

  function emit(event, data) {
    var fns = (listeners[event] || []).slice();
    for (var i = 0; i < fns.length; i++) {
      try {
        fns[i].call(api, data);
      } catch (e) {
        setTimeout(function (err) { return function () { throw err; }; }(e));
      }
    }
  }

  function svg(path) {
    var ns = 'http://www.w3.org/2000/svg';
    var el = d.createElementNS(ns, 'svg');
    el.setAttribute('viewBox', '0 0 24 24');
    el.setAttribute('aria-hidden', 'true');
    icon = d.createElementNS(ns, 'path');
    icon.setAttribute('d', path);
    el.appendChild(icon);
    return el;
  }

  function render() {
    if (!box) return;
    if (theme.color) launcher.style.background = theme.color;
    if (theme.fontColor) launcher.style.color = theme.fontColor;
    box.className = P + 'widget' + (theme.position === 'left' ? ' ' + P + 'left' : '') +
      (open ? ' ' + P + 'open' : '') + (hidden || !enabled ? ' ' + P + 'hidden' : '');
    icon.setAttribute('d', open ? ICON_CLOSE : ICON_CHAT);
    launcher.setAttribute('aria-label', open ? 'Close chat' : 'Open chat');
    launcher.setAttribute('aria-expanded', String(open));
  }

  function applyTheme(t) {
    if (!t) return;
    if (t.position === 'left' || t.position === 'right') theme.position = t.position;
    if (isColor(t.iconColor || t.color)) theme.color = t.iconColor || t.color;
    if (isColor(t.fontColor)) theme.fontColor = t.fontColor;
    render();
  }

  function isColor(value) {
    return typeof value === 'string' && !!w.CSS && w.CSS.supports('color', value);
  }

  function setOpen(value, byVisitor) {
    value = !!value;
    if (value === open) return;
    open = value;
    render();
    post(open ? 'maximizeWidget' : 'minimizeWidget', [!!byVisitor]);
    emit(open ? 'chat-maximized' : 'chat-minimized');
  }

  function setHidden(value) {
    value = !!value;
    if (value === hidden) return;
    hidden = value;
    render();
    emit(hidden ? 'hide-widget' : 'show-widget');
  }

  function pageInfo() {
    return { change: 'url', title: d.title, location: { href: location.href } };
  }

  METHODS.forEach(function (name) {
    api[name] = function () {
      if (name === 'setTheme') applyTheme(arguments[0]);
      post(name, Array.prototype.slice.call(arguments));
    };
  });
  api.pageVisited = function (change) {
    var info = pageInfo();
    if (change) info.change = change;
    post('pageVisited', [info]);
  };
  Object.keys(CALLBACKS).forEach(function (name) {
    api[name] = function (fn) {
      if (typeof fn !== 'function') return;
      (listeners[CALLBACKS[name]] = listeners[CALLBACKS[name]] || []).push(fn);
    };
  });
  api.clearAllCallbacks = function () { listeners = {}; };
  api.showWidget = function () { setHidden(false); };
  api.hideWidget = function () { setHidden(true); };
  api.maximizeWidget = function () { setOpen(true); };
  api.minimizeWidget = function () { setOpen(false); };

  function onMessage(e) {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
    var m = e.data;
    if (!m || m.src !== 'pimentachat') return;
    if (m.type === 'ready') {
      ready = true;
      enabled = m.enabled !== false;
      applyTheme(m.theme);
      while (outbox.length) frame.contentWindow.postMessage(outbox.shift(), origin);
      if (open) post('maximizeWidget');
      api.pageVisited();
    } else if (m.type === 'event' && typeof m.event === 'string') {
      emit(m.event, m.data);
    } else if (m.type === 'store' && m.data && typeof m.data === 'object') {
      try {
        w.localStorage.setItem(KEY, JSON.stringify(m.data));
      } catch (err) { /* storage full or blocked */ }
    } else if (m.type === 'theme') {
      applyTheme(m.theme);
    } else if (m.type === 'widget') {
      if (m.action === 'maximize') setOpen(true);
      else if (m.action === 'minimize') setOpen(false);
      else if (m.action === 'disable') { enabled = false; setOpen(false); render(); }
      else if (m.action === 'enable') { enabled = true; render(); }
      else if (m.action === 'unread') {
        badge.textContent = m.count > 0 ? String(Math.min(m.count, 99)) : '';
        badge.hidden = !(m.count > 0);
      }
    }
  }

  function start() {
    var style = d.createElement('style');
    style.id = P + 'style';
    style.textContent = CSS;
    (d.head || d.body).appendChild(style);
    box = d.createElement('div');
    frame = d.createElement('iframe');
    frame.className = P + 'frame';
    frame.title = 'Livechat';
    frame.setAttribute('allow', 'clipboard-write');
    frame.src = frameUrl.href;
    launcher = d.createElement('button');
    launcher.type = 'button';
    launcher.className = P + 'launcher';
    launcher.appendChild(svg(ICON_CHAT));
    badge = d.createElement('span');
    badge.className = P + 'badge';
    badge.hidden = true;
    launcher.appendChild(badge);
    launcher.onclick = function () { setOpen(!open, true); };
    box.appendChild(frame);
    box.appendChild(launcher);
    render();
    d.body.appendChild(box);
    w.addEventListener('message', onMessage);
    w.addEventListener('popstate', function () { api.pageVisited(); });
    w.addEventListener('hashchange', function () { api.pageVisited(); });

    var queued = stub._ || [];
    var run = function (c) {
      if (typeof c !== 'function') return;
      try {
        c.call(api);
      } catch (e) {
        setTimeout(function () { throw e; });
      }
    };
    var entry = function (c) { run(c); };
    entry._ = [];
    entry.url = stub.url;
    entry.livechat = api;
    w.pimentachat = entry;
    for (var i = 0; i < queued.length; i++) run(queued[i]);
  }

  if (d.body) start();
  else d.addEventListener('DOMContentLoaded', start);
})(window, document);
