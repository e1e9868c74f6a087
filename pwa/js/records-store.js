// The phone's copy of the server's records, as pulled from the change feed, and the cursor the
// feed was read to. The one module that reads and writes the "records" and "feed" stores: a
// page of changes and its cursor are written in one transaction, so a crash never leaves a
// cursor past records that were not stored.
import { tx, req } from './db.js';

/** Where the next pull starts (null: from the beginning). */
export async function cursor() {
  const row = await tx('feed', 'readonly', (s) => req(s.feed.get('cursor')));
  return row ? row.value : null;
}

/** Stores one page of the feed (docs/sync.md, Pull) and the cursor after it. */
export function savePage(changes, next) {
  return tx(['records', 'feed'], 'readwrite', (s) => {
    for (const c of changes) {
      s.records.put({ key: `${c.entity}:${c.id}`, entity: c.entity, id: c.id, site_id: c.site_id, version: c.version, data: c.data });
    }
    if (next) s.feed.put({ key: 'cursor', value: next });
  });
}

/** Drops the copy and its cursor (the feed was reset, or the phone changes hands). */
export function reset() {
  return tx(['records', 'feed'], 'readwrite', (s) => { s.records.clear(); s.feed.clear(); });
}

/** The pulled records of one entity of the feed ("shift", "scan", "hazard", ...), as sent. */
export async function ofEntity(entity) {
  const rows = await tx('records', 'readonly', (s) => req(s.records.index('by_entity').getAll(entity)));
  return rows.map((r) => r.data);
}
