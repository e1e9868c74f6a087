// Sync: push the outbox in batches, upload photos after their records, pull what others
// recorded. Runs on app start, when the network comes back, on a timer while online and on
// the button; never relies on Background Sync. Failures back off exponentially and retry;
// every step is idempotent (mutation ids, photo hashes, re-pullable cursors), so a retry,
// a reload or a crash mid-sync loses and duplicates nothing.
import { api, ApiError } from './api.js';
import * as outbox from './outbox.js';
import * as records from './records-store.js';
import * as saved from './session-store.js';
import { markNeedsLogin } from './auth.js';
import { store } from './store.js';
import { isoLocal } from './util.js';

export const BATCH_SIZE = 200;
const PERIOD_MS = 60_000;
const BOOTSTRAP_MAX_AGE_MS = 10 * 60_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;

let running = null;
let again = false;
let failures = 0;
let retryTimer = null;
let started = false;

export const isSyncing = () => running !== null;

/** Recounts pending records, photos and items needing attention, for the status bar. */
export async function refreshCounts() {
  const user = store.user;
  if (!user) return;
  const { mine, others } = await outbox.pendingCounts(user.id);
  const attention = await outbox.attentionCount(user.id);
  const photosPending = await outbox.photosPendingCount(user.id);
  store.set({ pending: mine, pendingOthers: others, attention, photosPending });
}

async function loadBootstrap(force) {
  const kept = store.get('bootstrap');
  // A bootstrap kept from before the server sent the vocabulary (an app update) is stale.
  const fresh = kept && kept.vocabulary && Date.now() - (await saved.bootstrapFetchedAt()) < BOOTSTRAP_MAX_AGE_MS;
  if (!force && fresh) return;
  const data = await api('/api/sync/bootstrap');
  await saved.saveBootstrap(data);
  store.set({ bootstrap: data });
}

async function push(userId) {
  let batchSize = BATCH_SIZE;
  const { mine: total } = await outbox.pendingCounts(userId);
  if (!total) return;
  let done = 0;
  store.set({ progress: { done, total } });
  for (;;) {
    const batch = await outbox.nextBatch(userId, batchSize); // notes the attempt on each entry
    if (!batch) break;
    let res;
    try {
      res = await api('/api/sync/push', {
        method: 'POST',
        body: {
          sent_at: isoLocal(), // this attempt's clock, set again on every retry
          outbox_depth: batch.depth,
          mutations: batch.mutations,
        },
      });
    } catch (e) {
      if (e.status === 413 && batchSize > 1) { batchSize = Math.max(1, Math.floor(batchSize / 2)); continue; }
      throw e;
    }
    const answered = await batch.complete((res && res.results) || []);
    if (!answered) throw new ApiError(502, 'no_results', 'the server answered no mutation');
    done += answered;
    store.set({ progress: { done: Math.min(done, total), total } });
    store.touch();
  }
}

async function uploadPhotos(userId) {
  const photos = await outbox.photosToUpload(userId);
  for (const p of photos) {
    if (!p.blob) { await outbox.markPhotoUploaded(p.sha256); continue; }
    try {
      await api(`/api/photos/${p.sha256}`, {
        method: 'PUT', body: p.blob, json: false, headers: { 'Content-Type': p.blob.type || 'image/jpeg' },
      });
      await outbox.markPhotoUploaded(p.sha256);
      store.touch();
    } catch (e) {
      await outbox.markPhotoFailed(p.sha256, e.message);
      if (e.retryable || e.status === 401 || e.status === 404) throw e; // back off, try again later
      // A photo the server refuses for good (not an image, too large) is reported, not retried forever.
    }
  }
}

async function pull() {
  for (let page = 0; page < 1000; page++) {
    const cursor = await records.cursor();
    const q = new URLSearchParams({ limit: '500' });
    if (cursor) q.set('cursor', cursor);
    let res;
    try {
      res = await api(`/api/sync/pull?${q}`);
    } catch (e) {
      if (e.status === 410) {
        // The server's feed was reset or restored: drop the local copy, send again what the
        // phone keeps (the server may have lost it), and pull from the start.
        await records.reset();
        await outbox.resendSynced();
        await push(store.user.id);
        continue;
      }
      throw e;
    }
    await records.savePage(res.changes, res.cursor);
    if (res.changes.length) store.touch();
    if (!res.has_more) return;
  }
}

async function run() {
  const user = store.user;
  store.set({ syncing: true, lastError: null });
  try {
    await loadBootstrap(false);
    await push(user.id);
    await uploadPhotos(user.id);
    await pull();
    await outbox.pruneSynced(user.id);
    const now = new Date().toISOString();
    await saved.setLastSync(now);
    failures = 0;
    store.set({ lastSyncAt: now });
  } catch (e) {
    if (e.status === 401 || e.code === 'needs_login') {
      store.set({ needsLogin: true, lastError: e.message });
      await markNeedsLogin();
    } else {
      failures += 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
      const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => { syncNow(); }, jittered);
      store.set({ lastError: e.message || String(e), nextRetryAt: Date.now() + jittered });
    }
  } finally {
    store.set({ syncing: false, progress: null });
    await refreshCounts();
    store.touch();
  }
}

/** Starts a sync unless one runs (then returns that one). Safe to call from anywhere. */
export function syncNow() {
  if (running) { again = true; return running; } // a record made mid-sync gets another pass
  if (!store.user || store.get('needsLogin')) return Promise.resolve();
  if (!navigator.onLine) { store.set({ online: false }); return Promise.resolve(); }
  running = (async () => {
    do {
      again = false;
      await run();
    } while (again && failures === 0 && store.user && !store.get('needsLogin') && navigator.onLine);
  })().finally(() => { running = null; });
  return running;
}

/** The last sync's result, to wait for in tests and before an app update. */
export function currentSync() { return running || Promise.resolve(); }

export function startSyncTriggers() {
  if (started) return;
  started = true;
  window.addEventListener('online', () => { store.set({ online: true }); failures = 0; syncNow(); });
  window.addEventListener('offline', () => store.set({ online: false }));
  setInterval(() => { if (navigator.onLine) syncNow(); }, PERIOD_MS);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') syncNow(); });
}
