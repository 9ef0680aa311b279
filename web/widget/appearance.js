// Appearance: the manager's settings from config.theme, overridden by the page's setTheme.
// Mixed into the Widget class, so `this` is the widget.

const isColor = (v) => typeof v === 'string' && v !== '' && CSS.supports('color', v);

export const appearance = {
  theme() {
    return { ...((this.config && this.config.theme) || {}), ...this.wanted.theme };
  },

  isOnline() {
    return !!this.config && (this.config.online || !!(this.room && this.room.open));
  },

  applyTheme() {
    const t = this.theme();
    const online = this.isOnline();
    const color = online ? t.color : t.offlineColor || t.color;
    const style = document.documentElement.style;
    if (isColor(color)) style.setProperty('--brand', color);
    if (isColor(t.fontColor)) style.setProperty('--brand-text', t.fontColor);
    if (t.background && CSS.supports('background', t.background)) style.setProperty('--widget-bg', t.background);
    this.els.title.textContent = (online ? t.title : t.offlineTitle || t.title) || 'Livechat';
    this.els.subtitle.textContent = online ? '' : 'Offline';
    this.els.app.dataset.online = String(online);
    this.bridge.post('theme', { theme: this.launcherTheme() });
  },

  /** The launcher keeps the brand colour (the header turns grey when offline; the button stays). */
  launcherTheme() {
    const t = this.theme();
    return { color: t.iconColor || t.color, fontColor: t.fontColor, position: t.position };
  },
};
