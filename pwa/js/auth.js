// Log in (needs the network once), open offline from the stored session, log out without
// losing pending records, and never show one user's data to the next user of the phone.
import { publicApi, api, ApiError } from './api.js';
import * as saved from './session-store.js';
import * as records from './records-store.js';
import * as reportCache from './report-cache.js';
import { clearFinished, pendingCounts } from './outbox.js';
import { store } from './store.js';

/**
 * Drops the local copy of server data: pulled records, the console's reports, the bootstrap.
 * Whose copy it was is forgotten last, so an interrupted clear is redone at the next login.
 */
export async function clearServerCopy() {
  await records.reset();
  await reportCache.clear(); // the last loaded console reports belong to this user too
  await saved.forgetServerCopy();
}

/** Restores the stored session (works offline). */
export async function restore() {
  const { session, bootstrap, lastSyncAt } = await saved.restore();
  if (!session) return null;
  store.set({ session, bootstrap, lastSyncAt, needsLogin: Boolean(session.needs_login) });
  return session;
}

export async function login(username, password) {
  const device = await saved.deviceId();
  const tokens = await publicApi('/api/auth/login', {
    method: 'POST',
    body: { username, password, device_id: device, device_label: navigator.userAgent.slice(0, 200) },
  });
  const user = await publicApi('/api/auth/me', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  const owner = await saved.dataOwner();
  if (owner !== null && owner !== user.id) await clearServerCopy();
  await saved.setDataOwner(user.id);
  const session = {
    user,
    device_id: tokens.device_id,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    scope: tokens.scope,
  };
  await saved.saveSession(session);
  store.set({
    session,
    needsLogin: false,
    bootstrap: owner === user.id ? await saved.loadBootstrap() : null,
    lastSyncAt: owner === user.id ? await saved.lastSync() : null,
  });
  return session;
}

/** The refresh failed for good: keep everything, remember that a login is needed. */
export async function markNeedsLogin() {
  const s = store.get('session');
  if (s) await saved.saveSession({ ...s, needs_login: true });
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
  await saved.dropSession();
  store.set({ session: null, bootstrap: null, needsLogin: false, lastSyncAt: null, pending: 0, attention: 0 });
  return { ok: true };
}
