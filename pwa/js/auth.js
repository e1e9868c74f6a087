// Log in (needs the network once), open offline from the stored session, log out without
// losing pending records, and never show one user's data to the next user of the phone.
import { getMeta, setMeta, tx, req } from './db.js';
import { publicApi, api, ApiError } from './api.js';
import { saveSession, dropSession } from './auth-session.js';
import { clearFinished, pendingCounts } from './outbox.js';
import { store } from './store.js';
import { uuidv7 } from './util.js';

async function deviceId() {
  let id = await getMeta('device_id');
  if (!id) { id = uuidv7(); await setMeta('device_id', id); }
  return id;
}

/** Drops the local copy of server data (pulled records, cursor, reference data). */
export async function clearServerCopy() {
  await tx(['records', 'meta', 'reports'], 'readwrite', (s) => {
    s.records.clear();
    s.reports.clear(); // the last loaded console reports belong to this user too
    for (const k of ['cursor', 'bootstrap', 'last_sync', 'data_owner']) s.meta.delete(k);
  });
}

/** Restores the stored session (works offline). */
export async function restore() {
  // One transaction for the three rows, not one each.
  const [row, boot, last] = await tx('meta', 'readonly', (s) => Promise.all(
    ['session', 'bootstrap', 'last_sync'].map((k) => req(s.meta.get(k)))));
  const session = row ? row.value : null;
  if (!session) return null;
  const bootstrap = boot ? boot.value : null;
  const lastSyncAt = last ? last.value : null;
  store.set({ session, bootstrap, lastSyncAt, needsLogin: Boolean(session.needs_login) });
  return session;
}

export async function login(username, password) {
  const device = await deviceId();
  const tokens = await publicApi('/api/auth/login', {
    method: 'POST',
    body: { username, password, device_id: device, device_label: navigator.userAgent.slice(0, 200) },
  });
  const user = await publicApi('/api/auth/me', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  const owner = await getMeta('data_owner');
  if (owner !== null && owner !== user.id) await clearServerCopy();
  await setMeta('data_owner', user.id);
  const session = {
    user,
    device_id: tokens.device_id || device,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    scope: tokens.scope,
  };
  await saveSession(session);
  store.set({
    session,
    needsLogin: false,
    bootstrap: owner === user.id ? await getMeta('bootstrap') : null,
    lastSyncAt: owner === user.id ? await getMeta('last_sync') : null,
  });
  return session;
}

/** The refresh failed for good: keep everything, remember that a login is needed. */
export async function markNeedsLogin() {
  const s = store.get('session');
  if (s) await saveSession({ ...s, needs_login: true });
}

/**
 * Logs out. With records still pending it refuses unless force is set; even then the pending
 * records stay on the phone (hidden) and are sent when this user logs in again.
 */
export async function logout({ force = false } = {}) {
  const user = store.user;
  if (!user) return { ok: true };
  const { mine } = await pendingCounts(user.id);
  if (mine > 0 && !force) return { ok: false, pending: mine };
  if (navigator.onLine && !store.get('needsLogin')) {
    try { await api('/api/auth/logout', { method: 'POST' }); } catch (e) { if (!(e instanceof ApiError)) throw e; }
  }
  await clearFinished(user.id);
  await clearServerCopy();
  await dropSession();
  store.set({ session: null, bootstrap: null, needsLogin: false, lastSyncAt: null, pending: 0, attention: 0 });
  return { ok: true };
}
