// The manager's login, kept in this browser until logout (the agent console's pattern, its own key).

const KEY = 'pimentachat:manager-session';

export function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || 'null');
    return saved && saved.userId && saved.authToken ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(KEY, JSON.stringify({ userId: session.userId, authToken: session.authToken }));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

export function authHeaders(session) {
  return session ? { 'X-User-Id': session.userId, 'X-Auth-Token': session.authToken } : {};
}
