// Read-side helpers: reference data from bootstrap, the user's own outbox entries and the
// pulled copy of the server's records, merged so a record shows at once and then its state.
// Field and entity names are the server's (app/sync/routes.py bootstrap, the pull feed).
import { store } from './store.js';
import * as outbox from './outbox.js';
import * as records from './records-store.js';
import { localDate } from './util.js';

const bootstrap = () => store.get('bootstrap') || { sites: [], groups: [] };

// The bootstrap lists only active sites, checkpoints, gate windows and group members.
export const sites = () => bootstrap().sites;
export const site = (id) => sites().find((s) => String(s.id) === String(id)) || null;
export const checkpointsOf = (s) => (s ? s.checkpoints : []);
export const windowsOf = (s) => (s ? s.gate_windows : []);
export const groups = () => bootstrap().groups;

/** Members of a group: [{id, display_name}]. */
export const membersOf = (g) => (g ? g.members : []);
export const siteIdsOf = (g) => (g ? g.site_ids : []);

export function myGroups() {
  const u = store.user;
  if (!u) return [];
  return groups().filter((g) => g.leader_id === u.id || g.members.some((m) => m.id === u.id));
}

export function ledGroups() {
  const u = store.user;
  return u ? groups().filter((g) => g.leader_id === u.id) : [];
}

export function userName(id) {
  for (const g of groups()) {
    const m = g.members.find((x) => x.id === id);
    if (m) return m.display_name;
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

// The pull feed's entity names, as the push handlers create them (ctx.create(..., "shift")).
export const pulledShifts = () => records.ofEntity('shift');
export const pulledScans = () => records.ofEntity('scan');
export const pulledGateChecks = () => records.ofEntity('gate_check');
export const pulledVisitors = () => records.ofEntity('visitor');
export const pulledHazards = () => records.ofEntity('hazard');

/** The user's shift still on patrol: started here, not ended here, not closed by the server. */
export async function openShift(entries) {
  const ended = new Set(entries.filter((e) => e.type === 'shift.end').map((e) => e.payload.shift_id));
  const server = new Map((await pulledShifts()).map((s) => [s.id, s]));
  for (const e of entries) { // newest first
    if (e.type !== 'shift.start' || e.state === 'rejected' || ended.has(e.id)) continue;
    const s = server.get(e.id);
    if (s && s.status !== 'open' && s.status !== 'returned') continue;
    return e;
  }
  return null;
}

export const today = () => localDate();

/** Local date (YYYY-MM-DD) of an ISO time. */
export const dateOf = (iso) => (iso ? localDate(new Date(iso)) : '');
