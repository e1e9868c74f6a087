// Group leader (组长): plan a week's duty roster (值班表) as a grid of days by duty, copy last
// week's, see who is on each duty and what breaks the rules before submitting it to the town
// office (镇社会事务办). Online only, and it says so: a roster is one document the office reads
// as a whole, and the server checks each shift (members of the group, sites of the group, the
// period) as it is planned, so an answer is needed at once, not after a queue drains.
// A duty is one site at one time of day: the round-the-clock plan (24小时巡逻) in 8-hour duties,
// plus any other duty times the group's rosters already use.
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import * as model from '../model.js';
import { selectOf, dayLabel, dayTime } from './common.js';
import * as A from './admin-common.js';

const DUTY_HOURS = 8; // 24-hour patrol in three duties a day
const DAY_MS = 86400000;

const pad = (n) => String(n).padStart(2, '0');
const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** The Monday of a date's week, YYYY-MM-DD. */
export function mondayOf(dateStr) {
  const d = new Date(`${dateStr}T12:00:00`);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return localDate(d);
}

export function addDays(dateStr, n) {
  const d = new Date(`${dateStr}T12:00:00`);
  d.setDate(d.getDate() + n);
  return localDate(d);
}

/** A local date and HH:MM as a Date (the phone's zone, the town's). */
const at = (dateStr, hhmm) => new Date(`${dateStr}T${hhmm}:00`);

const dutyKey = (siteId, start, minutes) => `${siteId}|${start}|${minutes}`;

/** The duties of a group: each site's three 8-hour duties and the times its rosters use. */
export function dutiesOf(siteIds, shifts) {
  const map = new Map();
  const add = (siteId, start, minutes) => { const k = dutyKey(siteId, start, minutes); if (!map.has(k)) map.set(k, { key: k, siteId, start, minutes }); };
  for (const sid of siteIds) for (let k = 0; k < 24 / DUTY_HOURS; k++) add(sid, `${pad(k * DUTY_HOURS)}:00`, DUTY_HOURS * 60);
  for (const s of shifts) {
    const a = new Date(s.starts_at);
    add(s.site_id, clock(a), Math.round((Date.parse(s.ends_at) - a.getTime()) / 60000));
  }
  return [...map.values()].sort((x, y) => (x.siteId - y.siteId) || x.start.localeCompare(y.start) || (x.minutes - y.minutes));
}

const cellOf = (s) => ({ day: localDate(new Date(s.starts_at)), key: dutyKey(s.site_id, clock(new Date(s.starts_at)), Math.round((Date.parse(s.ends_at) - Date.parse(s.starts_at)) / 60000)) });

export function mount(root) {
  const groups = model.ledGroups();
  const ui = A.frame(root, 'roster', { nav: false }); // a leader's screen, not the admin strip
  const group = selectOf('group_id', groups.map((g) => [g.id, g.name]), groups[0] && groups[0].id);
  let week = addDays(mondayOf(localDate()), 7); // next week is the one a leader plans
  const weekLabel = h('span', { class: 'week-label', data: { week } });
  const grid = h('div', { data: { rosterGrid: '' } });
  const editor = h('div', { data: { editor: '' } });
  const check = h('section', { class: 'card', data: { precheck: '' } });
  let roster = null; let lastWeek = null;

  const groupNow = () => groups.find((g) => String(g.id) === group.value) || null;
  const busy = (on) => root.querySelectorAll('button[data-online]').forEach((b) => { b.disabled = on || !navigator.onLine; });

  ui.body.append(
    h('div', { class: 'card filters' },
      h('div', { class: 'filter-grid' }, A.field(t('common.group'), group)),
      h('div', { class: 'row week-nav' },
        h('button', { type: 'button', class: 'small', data: { action: 'prev-week' }, 'aria-label': t('plan.prev'), onclick: () => { week = addDays(week, -7); load(); } }, '‹'),
        weekLabel,
        h('button', { type: 'button', class: 'small', data: { action: 'next-week' }, 'aria-label': t('plan.next'), onclick: () => { week = addDays(week, 7); load(); } }, '›'))),
    grid, editor, check);
  group.addEventListener('change', () => load());

  async function call(path, opts) {
    busy(true);
    try { return await api(path, opts); } finally { busy(false); }
  }

  async function load() {
    const g = groupNow();
    weekLabel.textContent = t('plan.week', { from: dayLabel(week), to: dayLabel(addDays(week, 6)) });
    weekLabel.dataset.week = week;
    editor.replaceChildren();
    if (!g) { grid.replaceChildren(h('p', { class: 'muted' }, t('plan.no_group'))); check.hidden = true; return; }
    let list;
    try {
      list = await api(`/api/rosters?group_id=${encodeURIComponent(g.id)}`);
    } catch (e) { A.showError(ui.msg, e); grid.replaceChildren(); check.hidden = true; return; }
    const full = async (r) => (r ? api(`/api/rosters/${r.id}`) : null);
    [roster, lastWeek] = await Promise.all([
      full(list.find((r) => r.period_start === week)),
      full(list.find((r) => r.period_start === addDays(week, -7))),
    ]);
    render();
  }

  function render() {
    const g = groupNow();
    const site = (id) => model.site(id);
    const required = (sid) => (site(sid) && site(sid).required_patrol_staff) || 4;
    if (!roster) {
      grid.replaceChildren(h('div', { class: 'card' }, h('p', {}, t('plan.none')),
        h('div', { class: 'filter-actions' },
          h('button', { type: 'button', data: { action: 'create-roster', online: '' }, onclick: () => create(false) }, t('plan.create')),
          lastWeek && lastWeek.shifts.length ? h('button', { type: 'button', data: { action: 'copy-last-week', online: '' }, onclick: () => create(true) }, t('plan.copy')) : null)));
      check.hidden = true;
      busy(false);
      return;
    }
    const frozen = Boolean(roster.submitted_at);
    const days = [...Array(7).keys()].map((i) => addDays(week, i));
    const duties = dutiesOf(model.siteIdsOf(g), [...roster.shifts, ...(lastWeek ? lastWeek.shifts : [])]);
    const byCell = new Map(roster.shifts.map((s) => { const c = cellOf(s); return [`${c.day}|${c.key}`, s]; }));
    const head = h('tr', {}, h('th', { scope: 'col' }, t('plan.duty')), days.map((d) => h('th', { scope: 'col' }, dayLabel(d))));
    const rows = duties.map((duty) => {
      const s = site(duty.siteId);
      const end = new Date(at(week, duty.start).getTime() + duty.minutes * 60000);
      return h('tr', {},
        h('th', { scope: 'row' }, h('span', { class: 'duty-site' }, s ? s.name : `#${duty.siteId}`), h('br'),
          h('span', { class: 'muted' }, `${duty.start}–${duty.minutes >= 24 * 60 || (clock(end) === '00:00') ? '24:00' : clock(end)}`)),
        days.map((d) => {
          const shift = byCell.get(`${d}|${duty.key}`);
          const n = shift ? shift.member_ids.length : 0;
          const short = shift && n < required(duty.siteId);
          const names = shift ? shift.member_ids.map(model.userName).join('、') : '';
          const label = t('plan.cell', { day: dayLabel(d), duty: `${s ? s.name : ''} ${duty.start}`, n });
          return h('td', { class: `cell ${shift ? (short ? 'short' : 'ok') : 'empty'}`, data: { day: d, duty: duty.key, count: String(n) } },
            h('button', { type: 'button', class: 'cell-btn', 'aria-label': label, disabled: frozen, onclick: () => edit(d, duty, shift) },
              shift ? [h('b', {}, t('plan.count', { n })), h('span', { class: 'names' }, names)] : h('span', { class: 'muted' }, t('plan.empty'))));
        }));
    });
    grid.replaceChildren(
      h('p', { class: 'muted' }, t('plan.rule', { n: required(model.siteIdsOf(g)[0]) })),
      h('div', { class: 'table-wrap', role: 'region', 'aria-label': t('plan.grid'), tabindex: '0' },
        h('table', { class: 'grid roster-grid' }, h('thead', {}, head), h('tbody', {}, rows))),
      !frozen && lastWeek && lastWeek.shifts.length ? h('button', { type: 'button', class: 'small', data: { action: 'copy-last-week', online: '' }, onclick: copyLastWeek }, t('plan.copy')) : null);
    renderCheck(duties, days, byCell, required, frozen);
    busy(false);
  }

  function renderCheck(duties, days, byCell, required, frozen) {
    check.hidden = false;
    const shifts = roster.shifts;
    const short = shifts.filter((s) => s.member_ids.length < required(s.site_id));
    const emptyCells = days.length * duties.filter((d) => d.minutes === DUTY_HOURS * 60).length
      - shifts.filter((s) => duties.some((d) => d.minutes === DUTY_HOURS * 60 && cellOf(s).key === d.key)).length;
    const due = roster.due_at;
    const late = due && Date.parse(due) < Date.now();
    const items = [
      h('li', { class: short.length ? 'gap' : 'ok-text', data: { understaffed: String(short.length) } },
        short.length ? t('plan.short', { n: short.length, req: required(shifts[0] ? shifts[0].site_id : null) }) : t('plan.short_none')),
      h('li', { class: emptyCells > 0 ? 'under' : 'ok-text', data: { emptyDuties: String(Math.max(0, emptyCells)) } },
        emptyCells > 0 ? t('plan.gaps', { n: emptyCells }) : t('plan.gaps_none')),
      h('li', { class: late ? 'gap' : '', data: { due: due || '' } },
        due ? t(late ? 'plan.due_past' : 'plan.due', { t: dayTime(due) }) : t('plan.due_none')),
    ];
    const submit = h('button', { type: 'button', class: 'primary', data: { action: 'submit-roster', online: '' }, onclick: async () => {
      const warn = short.length || emptyCells > 0 ? `\n${t('plan.confirm_issues')}` : '';
      if (!window.confirm(t('plan.confirm', { n: shifts.length }) + warn)) return;
      try {
        await call(`/api/rosters/${roster.id}/submit`, { method: 'POST' });
        A.showOk(ui.msg, t('plan.submitted_ok'));
        await load();
      } catch (e) { A.showError(ui.msg, e); }
    } }, t('leader.roster_submit'));
    check.replaceChildren(h('h3', {}, t('plan.check')), h('ul', { class: 'problems' }, items),
      frozen ? h('p', { class: 'msg ok', data: { submitted: roster.submitted_at } }, t('plan.submitted', { t: dayTime(roster.submitted_at) }))
        : h('div', {}, h('p', { class: 'muted' }, t('plan.online_only')), submit));
  }

  function edit(day, duty, shift) {
    const g = groupNow();
    const s = model.site(duty.siteId);
    const members = model.membersOf(g);
    const picked = new Set(shift ? shift.member_ids : []);
    const counter = h('span', { class: 'counter', 'aria-live': 'polite' });
    const need = (s && s.required_patrol_staff) || 4;
    const recount = () => {
      const n = box.querySelectorAll('input:checked').length;
      counter.textContent = t('plan.count', { n });
      counter.className = `counter ${n < need ? 'low' : 'ok'}`;
    };
    const box = h('fieldset', { class: 'members' }, h('legend', {}, t('plan.who', { day: dayLabel(day), site: s ? s.name : '', start: duty.start })),
      members.map((m) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: String(m.id), checked: picked.has(m.id), onchange: recount }), m.display_name)));
    const save = async () => {
      const ids = [...box.querySelectorAll('input:checked')].map((x) => Number(x.value));
      try {
        if (shift) await call(`/api/rosters/${roster.id}/shifts/${shift.id}`, { method: 'DELETE' });
        if (ids.length) {
          const starts = at(day, duty.start);
          await call(`/api/rosters/${roster.id}/shifts`, { method: 'POST', body: {
            site_id: duty.siteId, starts_at: starts.toISOString(), ends_at: new Date(starts.getTime() + duty.minutes * 60000).toISOString(), member_ids: ids,
          } });
        }
        editor.replaceChildren();
        await load();
      } catch (e) { A.showError(ui.msg, e); await load(); }
    };
    editor.replaceChildren(h('div', { class: 'card', data: { editing: `${day}|${duty.key}` } }, box,
      h('p', {}, counter, ' ', h('span', { class: 'muted' }, t('plan.need', { n: need }))),
      h('div', { class: 'filter-actions' },
        h('button', { type: 'button', class: 'primary', data: { action: 'save-duty', online: '' }, onclick: save }, t('common.save')),
        h('button', { type: 'button', data: { action: 'cancel' }, onclick: () => editor.replaceChildren() }, t('common.cancel')))));
    recount();
    busy(false);
    editor.scrollIntoView({ block: 'nearest' });
  }

  async function create(copy) {
    const g = groupNow();
    try {
      roster = await call('/api/rosters', { method: 'POST', body: { group_id: g.id, period_start: week, period_end: addDays(week, 6) } });
      if (copy) await copyLastWeek();
      else await load();
    } catch (e) { A.showError(ui.msg, e); }
  }

  /** Last week's shifts a week later, where this week has nothing planned at that duty yet. */
  async function copyLastWeek() {
    const taken = new Set(roster.shifts.map((s) => { const c = cellOf(s); return `${c.day}|${c.key}`; }));
    let copied = 0;
    try {
      for (const s of lastWeek.shifts) {
        const starts = new Date(Date.parse(s.starts_at) + 7 * DAY_MS);
        const ends = new Date(Date.parse(s.ends_at) + 7 * DAY_MS);
        const c = cellOf({ ...s, starts_at: starts.toISOString(), ends_at: ends.toISOString() });
        if (taken.has(`${c.day}|${c.key}`)) continue;
        await call(`/api/rosters/${roster.id}/shifts`, { method: 'POST', body: {
          site_id: s.site_id, starts_at: starts.toISOString(), ends_at: ends.toISOString(), member_ids: s.member_ids,
        } });
        copied += 1;
      }
      A.showOk(ui.msg, t('plan.copied', { n: copied }));
    } catch (e) { A.showError(ui.msg, e); }
    await load();
  }

  const onNet = () => busy(false);
  window.addEventListener('online', onNet);
  window.addEventListener('offline', onNet);
  let loaded = false;
  return {
    unmount() { ui.unmount(); window.removeEventListener('online', onNet); window.removeEventListener('offline', onNet); },
    async update() { if (!loaded && store.get('bootstrap')) { loaded = true; await load(); } },
  };
}
