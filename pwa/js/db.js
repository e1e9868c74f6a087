// The IndexedDB schema and the low-level open. Every change goes in a new step of the
// version ladder below; a step never changes what an earlier step did, so a phone that
// skipped versions replays the missing steps in order (jakearchibald/idb's pattern).
// Each store is read and written by one module only (named at the store); no other module
// names a store in a transaction:
//   outbox, photos  -> outbox.js (a record and its photos are written in one transaction)
//   records, feed   -> records-store.js (the pulled copy and the cursor it was pulled to)
//   meta            -> session-store.js (session, device, bootstrap, last sync)
//   reports         -> report-cache.js (the console's last answers)

const DB_NAME = 'patrol';
export const DB_VERSION = 4;

function upgrade(db, oldVersion, tx) {
  if (oldVersion < 1) {
    // What the user recorded: mutations, kept after sync to show their outcome.
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('by_user_seq', ['user_id', 'seq']);
    outbox.createIndex('by_state', 'state');
    // The local copy of the server's records (pulled), keyed "entity:id".
    const records = db.createObjectStore('records', { keyPath: 'key' });
    records.createIndex('by_entity', 'entity');
    // Photo blobs, addressed by SHA-256, until they are uploaded.
    const photos = db.createObjectStore('photos', { keyPath: 'sha256' });
    photos.createIndex('by_user', 'user_id');
    // Session, device id, pull cursor, bootstrap, last sync.
    db.createObjectStore('meta', { keyPath: 'key' });
  }
  if (oldVersion < 2) {
    // Photos still to upload are found without scanning every blob.
    tx.objectStore('photos').createIndex('by_pending', 'pending');
  }
  if (oldVersion < 3) {
    // Supervisor console: the last loaded JSON of each report view, keyed "user:view", so the
    // reports stay readable offline. Only a cache of server answers; nothing the user made.
    db.createObjectStore('reports', { keyPath: 'key' });
  }
  if (oldVersion < 4) {
    // The pull cursor leaves meta for a store of its own, owned with the records it pulled, so
    // the two are always written (and cleared) in one transaction by one module.
    const feed = db.createObjectStore('feed', { keyPath: 'key' });
    if (oldVersion >= 1) {
      const meta = tx.objectStore('meta');
      const old = meta.get('cursor');
      old.onsuccess = () => {
        if (!old.result) return;
        feed.put({ key: 'cursor', value: old.result.value });
        meta.delete('cursor');
      };
    }
  }
}

let dbPromise = null;
const lostWatchers = [];

/** fn() runs when the browser closes the database under the app (its storage was cleared or
 * evicted); the next use opens it again, the schema made anew. */
export function onDatabaseLost(fn) { lostWatchers.push(fn); }

export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, DB_VERSION);
      r.onupgradeneeded = (ev) => upgrade(r.result, ev.oldVersion, r.transaction);
      r.onsuccess = () => {
        const db = r.result;
        // Another tab opened a newer schema: let it upgrade; this tab reopens on next use.
        db.onversionchange = () => { db.close(); dbPromise = null; };
        // Fired only when the browser closes it (never on db.close()): storage cleared.
        db.onclose = () => { dbPromise = null; for (const fn of lostWatchers) fn(); };
        resolve(db);
      };
      r.onerror = () => { dbPromise = null; reject(r.error); };
      r.onblocked = () => console.warn('IndexedDB upgrade waits for other tabs to close');
    });
  }
  return dbPromise;
}

/** Promise for one IDBRequest. */
export function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/**
 * Runs fn(stores) in one transaction and resolves with its result only once the
 * transaction has committed (never report success before `complete`). fn must only
 * issue IndexedDB requests: awaiting anything else (a fetch) would end the transaction.
 */
export async function tx(names, mode, fn) {
  const db = await openDb();
  const list = Array.isArray(names) ? names : [names];
  const t = db.transaction(list, mode);
  const stores = Object.fromEntries(list.map((n) => [n, t.objectStore(n)]));
  const done = new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
  });
  let result;
  try {
    result = await fn(stores, t);
  } catch (err) {
    try { t.abort(); } catch { /* already finished */ }
    throw err;
  }
  await done;
  return result;
}
