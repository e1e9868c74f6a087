// The one module that owns the IndexedDB schema. Every change goes in a new step of the
// version ladder below; a step never changes what an earlier step did, so a phone that
// skipped versions replays the missing steps in order (jakearchibald/idb's pattern).

const DB_NAME = 'patrol';
export const DB_VERSION = 3;

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
}

let dbPromise = null;

export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, DB_VERSION);
      r.onupgradeneeded = (ev) => upgrade(r.result, ev.oldVersion, r.transaction);
      r.onsuccess = () => {
        const db = r.result;
        // Another tab opened a newer schema: let it upgrade; this tab reopens on next use.
        db.onversionchange = () => { db.close(); dbPromise = null; };
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

export async function getMeta(key, fallback = null) {
  const row = await tx('meta', 'readonly', (s) => req(s.meta.get(key)));
  return row ? row.value : fallback;
}

export function setMeta(key, value) {
  return tx('meta', 'readwrite', (s) => req(s.meta.put({ key, value })));
}

export function deleteMeta(key) {
  return tx('meta', 'readwrite', (s) => req(s.meta.delete(key)));
}

/** All rows of an index matching a key or range. */
export function getAllFrom(storeName, indexName, query) {
  return tx(storeName, 'readonly', (s) => {
    const src = indexName ? s[storeName].index(indexName) : s[storeName];
    return req(src.getAll(query));
  });
}
