// The phone's own storage, the weakest link of a phone offline for days: ask the browser to
// keep it (navigator.storage.persist(), else it may evict IndexedDB under pressure or after a
// week unopened), watch how full it is (navigator.storage.estimate()), say clearly when a save
// failed for a full disk, notice when the browser cleared the database under the open app,
// and export the pending outbox to a file an admin imports on the server (POST /api/sync/import).
import { store } from './store.js';
import { onDatabaseLost } from './db.js';
import * as outbox from './outbox.js';
import * as saved from './session-store.js';
import { isoLocal, sleep } from './util.js';

export const NEAR_FULL = 0.8; // warn once usage passes this share of the quota
export const EXPORT_FORMAT = 'patrol-outbox-export';

/** Asks once per start for persistent storage and records the answer: true, false or null (no API). */
export async function askPersistence() {
  const api = navigator.storage;
  if (!api || !api.persist) { store.set({ storagePersisted: null }); return null; }
  let granted = false;
  try {
    granted = (await api.persisted()) || (await api.persist());
  } catch {
    granted = false;
  }
  store.set({ storagePersisted: granted });
  return granted;
}

/** Usage and quota now; `nearFull` once usage passes NEAR_FULL of the quota. */
export async function checkUsage() {
  const api = navigator.storage;
  if (!api || !api.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await api.estimate();
    const storage = { usage, quota, nearFull: quota > 0 && usage / quota >= NEAR_FULL };
    store.set({ storage });
    return storage;
  } catch {
    return null;
  }
}

/** A save that failed for lack of room (the transaction aborted, so nothing of it was written). */
export function isQuotaError(e) {
  return Boolean(e && (e.name === 'QuotaExceededError' || (e.inner && e.inner.name === 'QuotaExceededError')));
}

/** outbox.add's failure, told to the user (the status bar); the caller's form keeps its input. */
function saveFailed(e) {
  store.set({ saveError: isQuotaError(e) ? 'quota' : (e && e.message) || String(e) });
  checkUsage();
}

function saveSucceeded() {
  if (store.get('saveError')) store.set({ saveError: null });
}

/**
 * The browser deleted the database under the open app (storage cleared or evicted): the
 * schema is made again on the next open; the session and reference data still in memory are
 * written back so the user goes on working; records not yet uploaded may be gone, so say so.
 */
async function recover() {
  store.set({ storageLost: true });
  // The browser may still be deleting for a while after it closed the connection: write
  // back whenever it is missing, checking for a few seconds.
  for (let i = 0; i < 8; i++) {
    await sleep(500);
    const session = store.get('session');
    if (!session) break;
    try {
      if ((await saved.restore()).session) continue;
      await saved.saveSession(session);
      const bootstrap = store.get('bootstrap');
      if (bootstrap) await saved.saveBootstrap(bootstrap);
    } catch (e) {
      console.warn('writing the session back', e);
    }
  }
  store.set({ storageRecovered: true });
  store.touch(); // recount: the status bar shows what is really left
}

function blobBase64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',', 2)[1] || '');
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

/** The pending records of the logged-in user and their photos, as the import file's JSON. */
export async function exportDocument() {
  const session = store.get('session');
  if (!session) throw new Error('not logged in');
  const { entries, photos } = await outbox.pendingExport(session.user.id);
  return {
    format: EXPORT_FORMAT,
    version: 1,
    exported_at: isoLocal(),
    user_id: session.user.id,
    username: session.user.username,
    device_id: session.device_id,
    mutations: entries.map((e) => e.toMutation()),
    photos: await Promise.all(photos.map(async (p) => ({
      sha256: p.sha256, content_type: p.blob.type || 'image/jpeg', data_base64: await blobBase64(p.blob),
    }))),
  };
}

/** Downloads the export as a JSON file; resolves with its name and size. */
export async function downloadExport() {
  const doc = await exportDocument();
  const blob = new Blob([JSON.stringify(doc)], { type: 'application/json' });
  const stamp = doc.exported_at.slice(0, 16).replace(/[^0-9]/g, '');
  const name = `patrol-outbox-${doc.username}-${stamp}.json`;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, size: blob.size, records: doc.mutations.length, photos: doc.photos.length };
}

let started = false;

/** At boot: ask for persistence, read the usage, and watch for the database being cleared. */
export function startStorageWatch() {
  if (started) return;
  started = true;
  onDatabaseLost(recover);
  outbox.watchSaves({ failed: saveFailed, succeeded: saveSucceeded });
  askPersistence();
  checkUsage();
  // The outbox grows as records are made: check the usage again when records change.
  let timer = null;
  store.addEventListener('change', (ev) => {
    if (!ev.detail.includes('revision') || timer) return;
    timer = setTimeout(() => { timer = null; checkUsage(); }, 1_000);
  });
}
