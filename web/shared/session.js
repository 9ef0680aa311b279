// A console's login (agent or manager), kept in this browser until logout, each under its own key.

export class SessionStore {
  constructor(key) {
    this.key = key;
  }

  load() {
    try {
      const saved = JSON.parse(localStorage.getItem(this.key) || 'null');
      return saved && saved.userId && saved.authToken ? saved : null;
    } catch {
      return null;
    }
  }

  save(session) {
    localStorage.setItem(this.key, JSON.stringify({ userId: session.userId, authToken: session.authToken }));
  }

  clear() {
    localStorage.removeItem(this.key);
  }

  /** Log in through `rest`; the session is kept and returned. */
  async logIn(rest, user, password) {
    const { data } = await rest.post('login', { user, password });
    this.save(data);
    return data;
  }

  /** Log out and forget the session (the server may have dropped it already). */
  async logOut(rest) {
    try {
      await rest.post('logout', {});
    } catch {
      // the session may already be gone
    }
    this.clear();
  }
}

export function authHeaders(session) {
  return session ? { 'X-User-Id': session.userId, 'X-Auth-Token': session.authToken } : {};
}
