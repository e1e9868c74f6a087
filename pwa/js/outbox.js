// The outbox: every record the user makes is a mutation written here first, in one
// transaction with its photos, before anything is shown or sent. Entries are replayed
// first-in-first-out and kept after sync so the user sees their outcome.
import { tx, req } from './db.js';
import { uuidv7, isoLocal } from './util.js';

let lastSeq = 0;
function nextSeq() {
  // Monotonic within this page and (by the clock) across reloads.
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

export const STATE = { pending: 'pending', synced: 'synced', conflict: 'conflict', rejected: 'rejected' };

/**
 * Records one mutation for userId (with photo blobs [{sha256, blob}]) and resolves once it
 * is durably stored. The mutation id is also the id of the record it creates.
 */
export async function add(userId, type, payload, photos = []) {
  const entry = {
    id: uuidv7(),
    seq: nextSeq(),
    user_id: userId,
    type,
    occurred_at: isoLocal(),
    payload,
    photos: photos.map((p) => p.sha256),
    state: STATE.pending,
    attempts: 0,
    result: null,
  };
  await tx(['outbox', 'photos'], 'readwrite', async (s) => {
    for (const p of photos) {
      const old = await req(s.photos.get(p.sha256));
      s.photos.put({
        sha256: p.sha256,
        blob: old && old.blob ? old.blob : p.blob,
        size: p.blob.size,
        user_id: userId,
        record_ids: [...new Set([...(old ? old.record_ids : []), entry.id])],
        pending: old && old.pending === 0 ? 0 : 1,
        attempts: 0,
      });
    }
    s.outbox.add(entry);
  });
  return entry;
}

const userRange = (userId) => IDBKeyRange.bound([userId, -Infinity], [userId, Infinity]);

/** Every entry of a user, oldest first. */
export function listMine(userId) {
  return tx('outbox', 'readonly', (s) => req(s.outbox.index('by_user_seq').getAll(userRange(userId))));
}

/**
 * The `limit` newest entries of a user, oldest first, without reading the older ones: a key
 * cursor from the newest end skips to the limit-th entry in one step, then one getAll reads
 * from there to the newest.
 */
export function listRecent(userId, limit) {
  return tx('outbox', 'readonly', (s) => new Promise((resolve, reject) => {
    const index = s.outbox.index('by_user_seq');
    const range = userRange(userId);
    const cur = index.openKeyCursor(range, 'prev');
    let skipped = limit <= 1;
    cur.onerror = () => reject(cur.error);
    cur.onsuccess = () => {
      const c = cur.result;
      if (!c) { req(index.getAll(range)).then(resolve, reject); return; } // fewer than limit
      if (!skipped) { skipped = true; c.advance(limit - 1); return; }
      req(index.getAll(IDBKeyRange.bound(c.key, [userId, Infinity]))).then(resolve, reject);
    };
  }));
}

/** Up to `limit` pending entries of a user, oldest first (FIFO). */
export function nextPending(userId, limit) {
  return tx('outbox', 'readonly', (s) => new Promise((resolve, reject) => {
    const out = [];
    const cur = s.outbox.index('by_user_seq').openCursor(userRange(userId));
    cur.onerror = () => reject(cur.error);
    cur.onsuccess = () => {
      const c = cur.result;
      if (!c || out.length >= limit) { resolve(out); return; }
      if (c.value.state === STATE.pending) out.push(c.value);
      c.continue();
    };
  }));
}

/** {mine, others}: pending entries of this user and of other users of this phone. */
export async function pendingCounts(userId) {
  const all = await tx('outbox', 'readonly', async (s) => {
    const index = s.outbox.index('by_state');
    // Counting is cheap; the entries are only read (to tell users apart) when there are any.
    return (await req(index.count(STATE.pending))) ? req(index.getAll(STATE.pending)) : [];
  });
  const mine = all.filter((e) => e.user_id === userId).length;
  return { mine, others: all.length - mine };
}

/** Ids of conflicting or rejected entries of this user the user has not looked at yet. */
export function attentionIds(userId) {
  return tx('outbox', 'readonly', async (s) => {
    const ids = [];
    for (const state of [STATE.conflict, STATE.rejected]) {
      const rows = await req(s.outbox.index('by_state').getAll(state));
      for (const e of rows) if (e.user_id === userId && !e.seen) ids.push(e.id);
    }
    return ids;
  });
}

/** Conflicting or rejected entries of this user the user has not looked at yet. */
export async function attentionCount(userId) {
  return (await attentionIds(userId)).length;
}

/** Photos of this user still waiting to upload (read by index, not through every entry). */
export function photosPendingCount(userId) {
  return tx('photos', 'readonly', async (s) => {
    const rows = await req(s.photos.index('by_user').getAll(userId));
    return rows.filter((p) => p.pending === 1).length;
  });
}

/** Notes an attempt on a batch (before it is sent). */
export function markAttempt(ids) {
  return tx('outbox', 'readwrite', async (s) => {
    for (const id of ids) {
      const e = await req(s.outbox.get(id));
      if (e) { e.attempts += 1; e.last_attempt_at = new Date().toISOString(); s.outbox.put(e); }
    }
  });
}

/** Applies the server's per-mutation results (docs/sync.md, Push). */
export function applyResults(results) {
  return tx('outbox', 'readwrite', async (s) => {
    for (const r of results) {
      const e = await req(s.outbox.get(r.id));
      if (!e) continue;
      let status = r.status;
      if (status === 'duplicate') status = r.original_status || 'applied';
      if (status === 'applied') e.state = STATE.synced;
      else if (status === 'conflict') e.state = STATE.conflict;
      else if (status === 'rejected') e.state = STATE.rejected;
      else continue; // unknown answer: keep pending, retry later
      e.result = { status: r.status, rule: r.rule || null, message: r.message || null, record_id: r.record_id || null };
      e.synced_at = new Date().toISOString();
      s.outbox.put(e);
    }
  });
}

/** Photos of this user that are stored but not yet uploaded, with records already synced. */
export async function photosToUpload(userId) {
  return tx(['photos', 'outbox'], 'readonly', async (s) => {
    const rows = await req(s.photos.index('by_pending').getAll(1));
    const ready = [];
    for (const p of rows) {
      if (p.user_id !== userId) continue;
      for (const rid of p.record_ids) {
        const e = await req(s.outbox.get(rid));
        if (e && e.state === STATE.synced) { ready.push(p); break; }
      }
    }
    return ready;
  });
}

/** Which of these photo hashes are still waiting to upload. */
export function photosPending(shas) {
  return tx('photos', 'readonly', async (s) => {
    const out = [];
    for (const sha of shas) {
      const p = await req(s.photos.get(sha));
      if (p && p.pending === 1) out.push(sha);
    }
    return out;
  });
}

export function getPhoto(sha) {
  return tx('photos', 'readonly', (s) => req(s.photos.get(sha)));
}

/** The photo arrived: drop the blob (the server holds it now). */
export function markPhotoUploaded(sha) {
  return tx('photos', 'readwrite', async (s) => {
    const p = await req(s.photos.get(sha));
    if (p) { p.pending = 0; p.blob = null; p.uploaded_at = new Date().toISOString(); s.photos.put(p); }
  });
}

export function markPhotoFailed(sha, message) {
  return tx('photos', 'readwrite', async (s) => {
    const p = await req(s.photos.get(sha));
    if (p) { p.attempts = (p.attempts || 0) + 1; p.last_error = message; s.photos.put(p); }
  });
}

/**
 * After a sync: forget this user's entries synced more than keepDays ago (the server holds
 * them, and the pulled copy stays), and uploaded photos no kept entry names, so a phone used
 * for months does not slow down or fill up. Pending, conflicting and rejected entries stay.
 */
export function pruneSynced(userId, keepDays = 7) {
  const cutoff = Date.now() - keepDays * 24 * 3600 * 1000;
  return tx(['outbox', 'photos'], 'readwrite', async (s) => {
    const mine = await req(s.outbox.index('by_user_seq').getAll(userRange(userId)));
    const named = new Set();
    for (const e of mine) {
      if (e.state === STATE.synced && Date.parse(e.occurred_at) < cutoff) s.outbox.delete(e.id);
      else for (const sha of e.photos || []) named.add(sha);
    }
    const photos = await req(s.photos.index('by_user').getAll(userId));
    for (const p of photos) if (p.pending === 0 && !named.has(p.sha256)) s.photos.delete(p.sha256);
  });
}

/**
 * On logout: forget this user's finished entries and uploaded photos. Pending entries and
 * photos not yet uploaded are never deleted here; they stay hidden until their user returns.
 */
export function clearFinished(userId) {
  return tx(['outbox', 'photos'], 'readwrite', async (s) => {
    const mine = await req(s.outbox.index('by_user_seq').getAll(userRange(userId)));
    for (const e of mine) if (e.state !== STATE.pending) s.outbox.delete(e.id);
    const photos = await req(s.photos.index('by_user').getAll(userId));
    for (const p of photos) if (p.pending !== 1) s.photos.delete(p.sha256);
  });
}
