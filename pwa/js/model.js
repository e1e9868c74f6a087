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

const isMine = (s, u) => s.recorded_by === u.id || (s.member_ids || []).includes(u.id);

/** This user's shifts as the server holds them (any phone's, even a new phone's), newest first. */
export async function myShifts() {
  const u = store.user;
  if (!u) return [];
  return (await pulledShifts()).filter((s) => isMine(s, u))
    .sort((a, b) => new Date(b.event_time) - new Date(a.event_time));
}

/**
 * Her shifts the leader returned (已退回) that she has not ended again since: the server keeps a
 * returned shift open to her scans and end (app/shifts/rules.py status_after_scan), so one she
 * already amended with a scan (now "ended" on the server) stays here until she ends it again.
 */
export async function shiftsToAmend(entries) {
  const after = (e, s) => s.reviewed_at && new Date(e.occurred_at) > new Date(s.reviewed_at);
  const mine = (e, s) => e.payload && e.payload.shift_id === s.id && e.state !== 'rejected';
  return (await myShifts()).filter((s) => {
    if (!s.reviewed_at || (s.status !== 'returned' && s.status !== 'ended')) return false;
    if (entries.some((e) => e.type === 'shift.end' && mine(e, s) && after(e, s))) return false;
    return s.status === 'returned' || entries.some((e) => e.type === 'shift.scan' && mine(e, s) && after(e, s));
  });
}

/** A pulled shift in the shape of the outbox's shift.start entry, for the patrol screen. */
export const asShiftEntry = (s) => ({ id: s.id, type: 'shift.start', payload: { site_id: s.site_id, member_ids: s.member_ids }, occurred_at: s.event_time, server: s });
