// The supervisor console's last answer of each report view, per user, so the reports stay
// readable offline. Only a cache of server answers; nothing the user made. The one module that
// reads and writes the "reports" store.
import { tx, req } from './db.js';

const keyOf = (userId, view) => `${userId}:${view}`;

/** Keeps data (the answer of path) as the last answer of this user's view. */
export async function save(userId, view, path, data) {
  const row = { key: keyOf(userId, view), path, data, saved_at: new Date().toISOString() };
  await tx('reports', 'readwrite', (s) => req(s.reports.put(row)));
  return row;
}

/** {path, data, saved_at} of this user's view, or undefined when it was never loaded. */
export function load(userId, view) {
  return tx('reports', 'readonly', (s) => req(s.reports.get(keyOf(userId, view))));
}

/** Forgets every kept answer (they belong to the user who logs out). */
export function clear() {
  return tx('reports', 'readwrite', (s) => req(s.reports.clear()));
}
