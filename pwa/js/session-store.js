// What the phone remembers about who uses it, so the app opens offline after one online login:
// the session, this device's id, whose copy of server data is on the phone, the bootstrap
// (sites, groups, vocabulary) with when it was fetched, and the last sync. The one module
// that reads and writes the "meta" store.
import { tx, req } from './db.js';
import { uuidv7 } from './util.js';

async function get(key, fallback = null) {
  const row = await tx('meta', 'readonly', (s) => req(s.meta.get(key)));
  return row ? row.value : fallback;
}

const put = (key, value) => tx('meta', 'readwrite', (s) => req(s.meta.put({ key, value })));

export const saveSession = (session) => put('session', session);
export const dropSession = () => tx('meta', 'readwrite', (s) => req(s.meta.delete('session')));

/** {session, bootstrap, lastSyncAt} as stored, read in one transaction (the app's start). */
export async function restore() {
  const [session, bootstrap, last] = await tx('meta', 'readonly', (s) => Promise.all(
    ['session', 'bootstrap', 'last_sync'].map((k) => req(s.meta.get(k)))));
  const value = (row) => (row ? row.value : null);
  return { session: value(session), bootstrap: value(bootstrap), lastSyncAt: value(last) };
}

/** This phone's id, made once and kept across logins (the server's device record). */
export function deviceId() {
  return tx('meta', 'readwrite', async (s) => {
    const row = await req(s.meta.get('device_id'));
    if (row) return row.value;
    const id = uuidv7();
    s.meta.put({ key: 'device_id', value: id });
    return id;
  });
}

/** The user whose server data (pulled records, bootstrap, reports) is on the phone. */
export const dataOwner = () => get('data_owner');
export const setDataOwner = (userId) => put('data_owner', userId);

export const loadBootstrap = () => get('bootstrap');
export const bootstrapFetchedAt = () => get('bootstrap_at', 0);

export function saveBootstrap(data) {
  return tx('meta', 'readwrite', (s) => {
    s.meta.put({ key: 'bootstrap', value: data });
    s.meta.put({ key: 'bootstrap_at', value: Date.now() });
  });
}

export const lastSync = () => get('last_sync');
export const setLastSync = (iso) => put('last_sync', iso);

/**
 * Forgets what this phone kept of the server for the last user (the bootstrap, the last sync)
 * and, last, whose data it was: the session and the device id stay.
 */
export function forgetServerCopy() {
  return tx('meta', 'readwrite', (s) => {
    for (const k of ['bootstrap', 'bootstrap_at', 'last_sync', 'data_owner']) s.meta.delete(k);
  });
}
