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
import { Sizer, Link } from './link.js';

// Records per push, bytes per photo chunk, changes per pull page: each starts moderate and
// adapts to the link (pwa/js/link.js); a push of 200 records (~50 KB) cannot cross a link that
// drops every 1.5 s, a push of 20 can.
export const BATCH_SIZE = 200; // the ceiling of a push
const pushSize = new Sizer({ floor: 5, ceiling: BATCH_SIZE, start: 50, step: 10 });
const chunkSize = new Sizer({ floor: 8 * 1024, ceiling: 512 * 1024, start: 64 * 1024, step: 16 * 1024 });
const pullSize = new Sizer({ floor: 20, ceiling: 500, start: 200, step: 50 });
const link = new Link();
const RECORD_BYTES = 300; // about one mutation in a push, for its timeout
const CHANGE_BYTES = 600; // about one change in a pull page
const PERIOD_MS = 60_000;
const BOOTSTRAP_MAX_AGE_MS = 10 * 60_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
// Inside one sync a dropped request is tried again at once (smaller), so a link that drops
// every few seconds still moves; only this many drops in a row without progress end the
// sync and hand over to the backoff between syncs.
const MAX_DROPS_IN_A_ROW = 20;
const DROP_PAUSE_MS = 200;
const DROP_PAUSE_MAX_MS = 500; // a link back up is used within half a second
const FAST_FAIL_MS = 250; // a try that fails sooner never got through: the link is down

let running = null;
let again = false;
let failures = 0;
let retryTimer = null;
let started = false;
let progressed = false; // this sync got something through (a drop after it backs off briefly)
let hurry = false; // someone waits for this sync to end (an app update): no more quick retries
let wake = null; // ends the pause before a quick retry at once

export const isSyncing = () => running !== null;

/** For the tests and the benchmark: what the link sizes are now. */
export const linkSizes = () => ({ push: pushSize.size, chunk: chunkSize.size, pull: pullSize.size, bps: link.bps });

/** Recounts pending records, photos and items needing attention, for the status bar. */
export async function refreshCounts() {
  const user = store.user;
  if (!user) return;
  const { mine, others } = await outbox.pendingCounts(user.id);
  const attention = await outbox.attentionCount(user.id);
  const photosPending = await outbox.photosPendingCount(user.id);
  store.set({ pending: mine, pendingOthers: others, attention, photosPending });
}

/** A drop of the link (cut, refused, timed out): worth trying again at once. A server error
 * (5xx) or 429 ends the sync instead and is retried after the backoff. */
const dropped = (e) => e instanceof ApiError && (e.status === 0 || e.status === 408);

/**
 * Runs step() until it succeeds; a drop shrinks `sizer` and tries again after a short pause
 * (longer with every drop in a row); any other error, or too many drops in a row, is thrown.
 */
async function throughDrops(step, sizer) {
  for (let drops = 0; ; drops++) {
    const t0 = performance.now();
    try {
      const out = await step();
      if (sizer) sizer.success();
      progressed = true;
      return out;
    } catch (e) {
      if (!dropped(e) || drops + 1 >= MAX_DROPS_IN_A_ROW || hurry) throw e;
      // A request cut in flight was too long for the link; one refused at once says only
      // that the link is still down, whatever its size.
      if (sizer && performance.now() - t0 > FAST_FAIL_MS) sizer.failure();
      store.set({ linkDrops: (store.get('linkDrops') || 0) + 1 });
      await new Promise((r) => { wake = r; setTimeout(r, Math.min(DROP_PAUSE_MAX_MS, DROP_PAUSE_MS * 2 ** drops)); });
      wake = null;
      if (hurry) throw e;
    }
  }
}

/** A timed request whose duration feeds the link's measured rate. */
async function timed(path, opts, bytes) {
  const t0 = performance.now();
  const out = await api(path, { ...opts, timeoutMs: link.timeoutFor(bytes) });
  link.observe(bytes, performance.now() - t0);
  return out;
}

function setProgress(patch) {
  store.set({ progress: { ...(store.get('progress') || {}), ...patch } });
}

async function loadBootstrap(force) {
  const kept = store.get('bootstrap');
  // A bootstrap kept from before the server sent the vocabulary (an app update) is stale.
  const fresh = kept && kept.vocabulary && Date.now() - (await saved.bootstrapFetchedAt()) < BOOTSTRAP_MAX_AGE_MS;
  if (!force && fresh) return;
  const data = await throughDrops(() => timed('/api/sync/bootstrap', {}, 16 * 1024));
  await saved.saveBootstrap(data);
  store.set({ bootstrap: data });
}

async function push(userId) {
  let { mine: left } = await outbox.pendingCounts(userId);
  if (!left) return;
  setProgress({ recordsLeft: left });
  for (;;) {
    let batch = null;
    const res = await throughDrops(async () => {
      // Taken again on every try: a smaller batch after a drop (each take notes an attempt).
      batch = await outbox.nextBatch(userId, pushSize.size);
      if (!batch) return null;
      try {
        return await timed('/api/sync/push', {
          method: 'POST',
          body: {
            sent_at: isoLocal(), // this attempt's clock, set again on every retry
            outbox_depth: batch.depth,
            mutations: batch.mutations,
          },
        }, batch.entries.length * RECORD_BYTES);
      } catch (e) {
        if (e.status === 413) { pushSize.ceiling = Math.max(pushSize.floor, Math.floor(batch.entries.length / 2)); throw new ApiError(0, 'too_large', e.message); }
        throw e;
      }
    }, pushSize);
    if (!batch) break;
    const answered = await batch.complete((res && res.results) || []);
    if (!answered) throw new ApiError(502, 'no_results', 'the server answered no mutation');
    left = Math.max(0, left - answered);
    store.set({ lastError: null }); // the link works: an old failure is no longer news
    setProgress({ recordsLeft: left });
    store.touch();
  }
}

/** How much of a photo the server holds: {received, complete}; a hash it does not know is 0. */
async function uploadState(sha) {
  try {
    return await timed(`/api/photos/${sha}/upload`, {}, 512);
  } catch (e) {
    if (e.status === 404) return { received: 0, complete: false };
    throw e;
  }
}

/**
 * One photo by the server's resumable upload (PATCH ?offset=&total=): asks how much the server
 * holds, then sends the rest in chunks sized to the link. A cut loses one chunk at most; the
 * chunk is sent again and, when the server already has it (the answer was what was cut), its
 * 409 names the offset the server holds, so the upload goes on from there, on whichever app
 * machine answers.
 */
async function uploadOne(p, progress) {
  const total = p.blob.size;
  let offset = null; // unknown: ask the server
  for (;;) {
    const done = await throughDrops(async () => {
      if (offset == null) {
        const state = await uploadState(p.sha256);
        if (state.complete) return true;
        offset = Math.min(state.received || 0, total);
        progress(offset);
      }
      const size = chunkSize.size;
      const chunk = p.blob.slice(offset, Math.min(total, offset + size));
      let res;
      try {
        res = await timed(`/api/photos/${p.sha256}?offset=${offset}&total=${total}`, {
          method: 'PATCH', body: chunk, json: false, headers: { 'Content-Type': 'application/octet-stream' },
        }, chunk.size);
      } catch (e) {
        // The server holds another offset (this chunk did arrive, its answer was cut): go on
        // from there. After a drop the same chunk is sent again: that answer says which.
        if (e.status === 409) {
          const held = e.details && Number.isInteger(e.details.received) ? e.details.received : null;
          offset = held != null && held <= total ? held : null;
          return false;
        }
        throw e;
      }
      offset = res.received;
      progress(offset);
      return res.complete;
    }, chunkSize);
    if (done) return;
    store.set({ lastError: null });
  }
}

async function uploadPhotos(userId) {
  const photos = await outbox.photosToUpload(userId);
  const withBlob = photos.filter((p) => p.blob);
  const bytesTotal = withBlob.reduce((n, p) => n + p.blob.size, 0);
  let bytesDone = 0;
  if (withBlob.length) setProgress({ photosLeft: withBlob.length, photoBytesSent: 0, photoBytesTotal: bytesTotal });
  let photosLeft = withBlob.length;
  for (const p of photos) {
    if (!p.blob) { await outbox.markPhotoUploaded(p.sha256); continue; }
    try {
      await uploadOne(p, (sent) => setProgress({ photoBytesSent: bytesDone + sent }));
      await outbox.markPhotoUploaded(p.sha256);
      store.touch();
    } catch (e) {
      await outbox.markPhotoFailed(p.sha256, e.message);
      if (e.retryable || e.status === 401 || e.status === 404 || e.status === 0) throw e; // back off, try again later
      // A photo the server refuses for good (not an image, too large) is reported, not retried forever.
    }
    bytesDone += p.blob.size;
    photosLeft -= 1;
    setProgress({ photosLeft, photoBytesSent: bytesDone });
  }
}

async function pull() {
  for (let page = 0; page < 10_000; page++) {
    const cursor = await records.cursor();
    let res;
    try {
      res = await throughDrops(() => {
        const q = new URLSearchParams({ limit: String(pullSize.size) });
        if (cursor) q.set('cursor', cursor);
        return timed(`/api/sync/pull?${q}`, {}, pullSize.size * CHANGE_BYTES);
      }, pullSize);
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
  store.set({ syncing: true });
  progressed = false;
  try {
    await loadBootstrap(false);
    await push(user.id);
    await uploadPhotos(user.id);
    await pull();
    await outbox.pruneSynced(user.id);
    const now = new Date().toISOString();
    await saved.setLastSync(now);
    failures = 0;
    store.set({ lastSyncAt: now, lastError: null, nextRetryAt: null });
  } catch (e) {
    if (e.status === 401 || e.code === 'needs_login') {
      store.set({ needsLogin: true, lastError: e.message });
      await markNeedsLogin();
    } else {
      failures = progressed ? 1 : failures + 1; // a link that moves is retried soon
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
  hurry = false;
  running = (async () => {
    do {
      again = false;
      await run();
    } while (again && failures === 0 && store.user && !store.get('needsLogin') && navigator.onLine);
  })().finally(() => { running = null; });
  return running;
}

/**
 * The running sync's end, to wait for in tests and before an app update; `hurry`: a dropped
 * request is not tried again at once (the sync ends at the next drop, all it did is kept).
 */
export function currentSync({ hurry: rush = false } = {}) {
  if (!running) return Promise.resolve();
  if (rush) {
    hurry = true;
    if (wake) wake();
  }
  return running;
}

export function startSyncTriggers() {
  if (started) return;
  started = true;
  window.addEventListener('online', () => { store.set({ online: true }); failures = 0; syncNow(); });
  window.addEventListener('offline', () => store.set({ online: false }));
  setInterval(() => { if (navigator.onLine) syncNow(); }, PERIOD_MS);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') syncNow(); });
}
