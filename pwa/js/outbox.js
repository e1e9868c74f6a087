// The outbox: every record the user makes is a mutation written here first, in one
// transaction with its photos, before anything is shown or sent. Entries are replayed
// first-in-first-out and kept after sync so the user sees their outcome. The one module that
// reads and writes the "outbox" and "photos" stores, and the only place an entry's state
// changes: an OutboxEntry is the one shape of a row, an OutboxBatch is what one push sends,
// settled by its complete() (powersync's CrudEntry / CrudBatch).
import { tx, req } from './db.js';
import { uuidv7, isoLocal } from './util.js';

let lastSeq = 0;
function nextSeq() {
  // Monotonic within this page and (by the clock) across reloads.
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

export const STATE = { pending: 'pending', synced: 'synced', conflict: 'conflict', rejected: 'rejected' };

// The server's per-mutation answer (docs/sync.md, Push) -> the entry's state; anything else
// (an unknown answer) leaves the entry pending, to be sent again.
const SETTLED = { applied: STATE.synced, conflict: STATE.conflict, rejected: STATE.rejected };

/** One mutation the user recorded, and where it stands. */
export class OutboxEntry {
  constructor({
    id, seq, user_id, type, occurred_at, payload, photos = [], state = STATE.pending,
    attempts = 0, last_attempt_at = null, result = null, synced_at = null, seen = false,
  }) {
    this.id = id; // the mutation id, also the id of the record it creates
    this.seq = seq; // replay order within the user's entries
    this.user_id = user_id;
    this.type = type; // "hazard.report", "shift.start", ...
    this.occurred_at = occurred_at; // the phone's clock, with its zone offset
    this.payload = payload;
    this.photos = photos; // SHA-256 of the photos this record names
    this.state = state; // STATE.*
    this.attempts = attempts;
    this.last_attempt_at = last_attempt_at;
    this.result = result; // {status, rule, message, record_id} once the server answered
    this.synced_at = synced_at;
    this.seen = seen; // the user looked at its conflict or rejection
  }

  static create(userId, type, payload, photoShas) {
    return new OutboxEntry({
      id: uuidv7(), seq: nextSeq(), user_id: userId, type, occurred_at: isoLocal(), payload, photos: photoShas,
    });
  }

  /** What a push sends for this entry. */
  toMutation() {
    return { id: this.id, type: this.type, occurred_at: this.occurred_at, payload: this.payload };
  }

  attempted() {
    this.attempts += 1;
    this.last_attempt_at = new Date().toISOString();
  }

  /** Takes the server's answer; false when the answer settles nothing (keep it pending). */
  settle(answer) {
    const status = answer.status === 'duplicate' ? (answer.original_status || 'applied') : answer.status;
    if (!SETTLED[status]) return false;
    this.state = SETTLED[status];
    this.result = { status: answer.status, rule: answer.rule || null, message: answer.message || null, record_id: answer.record_id || null };
    this.synced_at = new Date().toISOString();
    return true;
  }
}

const entry = (row) => new OutboxEntry(row);

/** Pending entries of one user sent in one push, oldest first. */
export class OutboxBatch {
  constructor(entries, depth) {
    this.entries = entries;
    this.depth = depth; // this user's pending entries when the batch was taken
  }

  get mutations() { return this.entries.map((e) => e.toMutation()); }

  /**
   * Settles the entries the server answered (docs/sync.md, Push); the others stay pending.
   * Resolves with how many of this batch's entries were answered.
   */
  async complete(results) {
    const answers = new Map(results.map((r) => [r.id, r]));
    await tx('outbox', 'readwrite', async (s) => {
      for (const [id, answer] of answers) {
        const row = await req(s.outbox.get(id));
        if (!row) continue;
        const e = entry(row);
        if (e.settle(answer)) s.outbox.put(e);
      }
    });
    return this.entries.filter((e) => answers.has(e.id)).length;
  }
}

/**
 * Records one mutation for userId (with photo blobs [{sha256, blob}]) and resolves once it
 * is durably stored.
 */
export async function add(userId, type, payload, photos = []) {
  const e = OutboxEntry.create(userId, type, payload, photos.map((p) => p.sha256));
  await tx(['outbox', 'photos'], 'readwrite', async (s) => {
    for (const p of photos) {
      const old = await req(s.photos.get(p.sha256));
      s.photos.put({
        sha256: p.sha256,
        blob: old && old.blob ? old.blob : p.blob,
        size: p.blob.size,
        user_id: userId,
        record_ids: [...new Set([...(old ? old.record_ids : []), e.id])],
        pending: old && old.pending === 0 ? 0 : 1,
        attempts: 0,
      });
    }
    s.outbox.add(e);
  });
  return e;
}

const userRange = (userId) => IDBKeyRange.bound([userId, -Infinity], [userId, Infinity]);

/** {mine, others}: pending entries of this user and of the phone's other users, inside a transaction. */
async function pendingOf(s, userId) {
  const index = s.outbox.index('by_state');
  // Counting is cheap; the entries are only read (to tell users apart) when there are any.
  const all = (await req(index.count(STATE.pending))) ? await req(index.getAll(STATE.pending)) : [];
  const mine = all.filter((e) => e.user_id === userId).length;
  return { mine, others: all.length - mine };
}

/**
 * The next batch of up to `limit` pending entries of a user, oldest first (FIFO), with the
 * attempt noted on each before it is sent; null when nothing is pending.
 */
export function nextBatch(userId, limit) {
  return tx('outbox', 'readwrite', async (s) => {
    const { mine: depth } = await pendingOf(s, userId);
    const entries = await new Promise((resolve, reject) => {
      const out = [];
      const cur = s.outbox.index('by_user_seq').openCursor(userRange(userId));
      cur.onerror = () => reject(cur.error);
      cur.onsuccess = () => {
        const c = cur.result;
        if (!c || out.length >= limit) { resolve(out); return; }
        if (c.value.state === STATE.pending) {
          const e = entry(c.value);
          e.attempted();
          c.update(e);
          out.push(e);
        }
        c.continue();
      };
    });
    return entries.length ? new OutboxBatch(entries, depth) : null;
  });
}

/** The user looked at these conflicting or rejected entries. */
export function markSeen(ids) {
  return tx('outbox', 'readwrite', async (s) => {
    for (const id of ids) {
      const row = await req(s.outbox.get(id));
      if (row) { const e = entry(row); e.seen = true; s.outbox.put(e); }
    }
  });
}

/** Every entry of a user, oldest first. */
export async function listMine(userId) {
  const rows = await tx('outbox', 'readonly', (s) => req(s.outbox.index('by_user_seq').getAll(userRange(userId))));
  return rows.map(entry);
}

/**
 * The `limit` newest entries of a user, oldest first, without reading the older ones: a key
 * cursor from the newest end skips to the limit-th entry in one step, then one getAll reads
 * from there to the newest.
 */
export async function listRecent(userId, limit) {
  const rows = await tx('outbox', 'readonly', (s) => new Promise((resolve, reject) => {
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
  return rows.map(entry);
}

/** {mine, others}: pending entries of this user and of other users of this phone. */
export function pendingCounts(userId) {
  return tx('outbox', 'readonly', (s) => pendingOf(s, userId));
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

// Acknowledged entries are kept this long after the server's answer: a restore of the server
// to a backup up to this old gets them back (resendSynced). README "Backup and restore".
export const KEEP_SYNCED_DAYS = 7;

/**
 * After a sync: forget this user's entries acknowledged more than keepDays ago (the server
 * holds them, and the pulled copy stays), and uploaded photos no kept entry names, so a phone
 * used for months does not slow down or fill up. Pending, conflicting and rejected entries stay.
 */
export function pruneSynced(userId, keepDays = KEEP_SYNCED_DAYS) {
  const cutoff = Date.now() - keepDays * 24 * 3600 * 1000;
  return tx(['outbox', 'photos'], 'readwrite', async (s) => {
    const mine = await req(s.outbox.index('by_user_seq').getAll(userRange(userId)));
    const named = new Set();
    for (const e of mine) {
      if (e.state === STATE.synced && Date.parse(e.synced_at || e.occurred_at) < cutoff) s.outbox.delete(e.id);
      else for (const sha of e.photos || []) named.add(sha);
    }
    const photos = await req(s.photos.index('by_user').getAll(userId));
    for (const p of photos) if (p.pending === 0 && !named.has(p.sha256)) s.photos.delete(p.sha256);
  });
}

/**
 * The server's feed restarted (cursor_reset, e.g. it was restored from a backup): every entry
 * still kept as synced, of every user of the phone, is pending again and goes out with its
 * user's next push. The server answers duplicate for what it still has and applies what the
 * restore lost (docs/sync.md, "After a restore").
 */
export function resendSynced() {
  return tx('outbox', 'readwrite', async (s) => {
    const synced = await req(s.outbox.index('by_state').getAll(STATE.synced));
    for (const row of synced) s.outbox.put({ ...row, state: STATE.pending });
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
