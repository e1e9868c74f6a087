// Read-side helpers: reference data from bootstrap, the user's own outbox entries and the
// pulled copy of the server's records, merged so a record shows at once and then its state.
import { store } from './store.js';
import { getAllFrom } from './db.js';
import * as outbox from './outbox.js';
import { localDate } from './util.js';

export const sites = () => ((store.get('bootstrap') || {}).sites || []);
export const site = (id) => sites().find((s) => String(s.id) === String(id)) || null;
export const checkpointsOf = (s) => ((s && (s.checkpoints || [])) || []).filter((c) => c.active !== false);
export const windowsOf = (s) => ((s && (s.gate_windows || s.windows || [])) || []).filter((w) => w.active !== false);
export const groups = () => ((store.get('bootstrap') || {}).groups || []);

/** Members of a group as [{id, name}], whatever shape the bootstrap used. */
export function membersOf(g) {
  if (!g) return [];
  const raw = g.members || (g.member_ids || []).map((id) => ({ id }));
  return raw.map((m) => (typeof m === 'object'
    ? { id: m.id ?? m.user_id, name: m.display_name || m.name || m.username || `#${m.id ?? m.user_id}` }
    : { id: m, name: `#${m}` }));
}

export function siteIdsOf(g) {
  if (!g) return [];
  if (g.site_ids) return g.site_ids;
  return (g.sites || []).map((s) => (typeof s === 'object' ? s.id : s));
}

export function myGroups() {
  const u = store.user;
  if (!u) return [];
  return groups().filter((g) => g.leader_id === u.id || membersOf(g).some((m) => m.id === u.id));
}

export function ledGroups() {
  const u = store.user;
  return u ? groups().filter((g) => g.leader_id === u.id) : [];
}

export function userName(id) {
  for (const g of groups()) {
    const m = membersOf(g).find((x) => x.id === id);
    if (m) return m.name;
  }
  return `#${id}`;
}

/** This user's outbox entries, newest first. */
export async function myEntries() {
  const u = store.user;
  if (!u) return [];
  return (await outbox.listMine(u.id)).reverse();
}

/** This user's `limit` newest outbox entries, newest first (the older ones are not read). */
export async function recentEntries(limit) {
  const u = store.user;
  if (!u) return [];
  return (await outbox.listRecent(u.id, limit)).reverse().slice(0, limit);
}

/** Pulled records of an entity (several names accepted while the feed's naming settles). */
export async function pulled(...entities) {
  const out = [];
  for (const e of entities) out.push(...(await getAllFrom('records', 'by_entity', e)));
  return out.map((r) => ({ ...r.data, id: r.data.id ?? r.id, site_id: r.data.site_id ?? r.site_id, _entity: r.entity }));
}

export const pulledShifts = () => pulled('shift', 'patrol_shift');
export const pulledScans = () => pulled('scan', 'checkpoint_scan', 'shift_scan');
export const pulledGateChecks = () => pulled('gate_check');
export const pulledVisitors = () => pulled('visitor', 'visitor_entry');
export const pulledHazards = () => pulled('hazard');

/** The user's shift still on patrol: started here, not ended here, not closed by the server. */
export async function openShift(entries) {
  const ended = new Set(entries.filter((e) => e.type === 'shift.end').map((e) => e.payload.shift_id));
  const server = new Map((await pulledShifts()).map((s) => [s.id, s]));
  for (const e of entries) { // newest first
    if (e.type !== 'shift.start' || e.state === 'rejected' || ended.has(e.id)) continue;
    const s = server.get(e.id);
    if (s && s.status && s.status !== 'open' && s.status !== 'returned') continue;
    return e;
  }
  return null;
}

export const today = () => localDate();

/** Local date (YYYY-MM-DD) of an ISO time. */
export const dateOf = (iso) => (iso ? localDate(new Date(iso)) : '');
