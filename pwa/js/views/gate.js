// Gate duty (校门口值班): today's windows, check in / out, how many are at the gate against
// the required 4, and the visitor register (准入登记) with host approval and pass slip.
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { syncNow } from '../sync.js';
import { flash } from './common.js';

const hhmm = (v) => String(v || '').slice(0, 5);

function gateSites() {
  const u = store.user;
  const ids = new Set();
  if (u.home_site_id) ids.add(String(u.home_site_id));
  for (const g of model.myGroups()) for (const id of model.siteIdsOf(g)) ids.add(String(id));
  const list = model.sites().filter((s) => ids.has(String(s.id)));
  return list.length ? list : model.sites();
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const siteSel = h('select', { name: 'site' });
  const windowsBox = h('div', { data: { windows: '' } });
  const visitorsList = h('ul', { class: 'list', data: { visitors: '' } });
  const vf = {
    name: h('input', { type: 'text', name: 'visitor_name', maxlength: '100', required: true }),
    visiting: h('input', { type: 'text', name: 'visiting', maxlength: '200', required: true }),
    purpose: h('input', { type: 'text', name: 'purpose', maxlength: '500' }),
    approved: h('input', { type: 'checkbox', name: 'host_approved' }),
    plate: h('input', { type: 'text', name: 'vehicle_plate', maxlength: '20' }),
    goods: h('input', { type: 'text', name: 'goods', maxlength: '500' }),
    slip: h('input', { type: 'text', name: 'pass_slip_no', maxlength: '64' }),
  };
  const vform = h('form', { class: 'card', data: { form: 'visitor' } },
    h('label', {}, t('gate.visitor_name'), vf.name),
    h('label', {}, t('gate.visiting'), vf.visiting),
    h('label', {}, `${t('gate.purpose')} ${t('common.optional')}`, vf.purpose),
    h('label', { class: 'check' }, vf.approved, t('gate.host_approved')),
    h('p', { class: 'muted' }, t('gate.host_needed')),
    h('label', {}, `${t('gate.vehicle_plate')} ${t('common.optional')}`, vf.plate),
    h('label', {}, `${t('gate.goods')} ${t('common.optional')}`, vf.goods),
    h('label', {}, `${t('gate.pass_slip')} ${t('common.optional')}`, vf.slip),
    h('button', { type: 'submit', class: 'primary' }, t('gate.enter')));
  vform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!vf.name.value.trim() || !vf.visiting.value.trim()) return;
    const payload = {
      site_id: Number(siteSel.value), name: vf.name.value.trim(), visiting: vf.visiting.value.trim(),
      host_approved: vf.approved.checked,
    };
    if (vf.purpose.value.trim()) payload.purpose = vf.purpose.value.trim();
    if (vf.plate.value.trim()) payload.vehicle_plate = vf.plate.value.trim().toUpperCase();
    if (vf.goods.value.trim()) payload.goods = vf.goods.value.trim();
    if (vf.slip.value.trim()) payload.pass_slip_no = vf.slip.value.trim();
    await outbox.add(u.id, 'visitor.enter', payload);
    for (const el of Object.values(vf)) { if (el.type === 'checkbox') el.checked = false; else el.value = ''; }
    flash(msg, t('common.saved'));
    store.touch();
    syncNow();
  });
  root.append(h('h2', {}, t('gate.title')), msg,
    h('label', {}, t('common.site'), siteSel),
    h('h3', {}, t('gate.windows')), windowsBox,
    h('h3', {}, t('gate.visitors')), vform, visitorsList);

  async function check(windowId, direction) {
    const payload = { site_id: Number(siteSel.value), window_id: windowId, local_date: model.today(), direction };
    await outbox.add(u.id, 'gate.check', payload);
    flash(msg, t('common.saved'));
    store.touch();
    syncNow();
  }

  async function leave(visitorId) {
    await outbox.add(u.id, 'visitor.leave', { visitor_id: visitorId });
    store.touch();
    syncNow();
  }

  siteSel.addEventListener('change', () => update());
  let builtFor = null;

  async function update() {
    const sites = gateSites();
    const key = sites.map((s) => s.id).join(',');
    if (builtFor !== key) {
      const keep = siteSel.value || String(u.home_site_id || (sites[0] && sites[0].id) || '');
      siteSel.replaceChildren(...sites.map((s) => h('option', { value: String(s.id), selected: String(s.id) === keep }, s.name)));
      builtFor = key;
    }
    const s = model.site(siteSel.value);
    if (!s) { windowsBox.replaceChildren(h('p', { class: 'msg warn' }, t('common.no_data'))); return; }
    const today = model.today();
    const entries = (await model.myEntries()).filter((e) => e.state !== 'rejected');
    // Latest direction per (window, person) today: pulled checks, then my own newer ones.
    const checks = (await model.pulledGateChecks())
      .filter((c) => String(c.site_id) === String(s.id) && String(c.local_date) === today)
      .map((c) => ({ window_id: c.window_id, who: c.recorded_by, direction: c.direction, at: c.event_time, id: c.id }));
    const seen = new Set(checks.map((c) => c.id));
    for (const e of entries.filter((x) => x.type === 'gate.check' && x.payload.local_date === today && String(x.payload.site_id) === String(s.id))) {
      if (!seen.has(e.id)) checks.push({ window_id: e.payload.window_id, who: u.id, direction: e.payload.direction, at: e.occurred_at, id: e.id });
    }
    checks.sort((a, b) => new Date(a.at) - new Date(b.at));
    const required = s.required_gate_staff;
    windowsBox.replaceChildren(...model.windowsOf(s).map((w) => {
      const last = new Map();
      for (const c of checks) if (c.window_id === w.id) last.set(c.who, c.direction);
      const n = [...last.values()].filter((d) => d === 'in').length;
      const meIn = last.get(u.id) === 'in';
      return h('section', { class: 'card', data: { window: String(w.id) } },
        h('div', { class: 'rec-head' },
          h('span', { class: 'rec-title' }, `${w.name || vocab.label('window_kind', w.kind)} ${hhmm(w.starts)}–${hhmm(w.ends)}`),
          h('span', { class: 'muted' }, meIn ? t('gate.me_in') : t('gate.me_out'))),
        h('p', { class: `counter ${n < required ? 'low' : 'ok'}`, data: { gateCount: String(n) } }, t('gate.count', { n, req: required })),
        n < required ? h('p', { class: 'warn-text' }, t('gate.count_low', { req: required })) : null,
        h('div', { class: 'row' },
          h('button', { type: 'button', data: { action: 'check-in' }, disabled: meIn, onclick: () => check(w.id, 'in') }, vocab.label('gate_direction', 'in')),
          h('button', { type: 'button', data: { action: 'check-out' }, disabled: !meIn, onclick: () => check(w.id, 'out') }, vocab.label('gate_direction', 'out'))));
    }));
    // Today's visitors at this site.
    const left = new Map();
    for (const e of entries) if (e.type === 'visitor.leave') left.set(e.payload.visitor_id, e.occurred_at);
    const visitors = new Map();
    for (const v of await model.pulledVisitors()) {
      if (String(v.site_id) !== String(s.id) || model.dateOf(v.event_time) !== today) continue;
      visitors.set(v.id, { id: v.id, name: v.name, visiting: v.visiting, plate: v.vehicle_plate, at: v.event_time, out: v.time_out, approved: v.host_approved });
    }
    for (const e of entries) {
      if (e.type !== 'visitor.enter' || String(e.payload.site_id) !== String(s.id) || model.dateOf(e.occurred_at) !== today) continue;
      const p = e.payload;
      const v = visitors.get(e.id) || { id: e.id, name: p.name, visiting: p.visiting, plate: p.vehicle_plate, at: e.occurred_at, approved: p.host_approved };
      v.state = e.state;
      visitors.set(e.id, v);
    }
    const rows = [...visitors.values()].sort((a, b) => new Date(b.at) - new Date(a.at));
    visitorsList.replaceChildren(...rows.map((v) => {
      const out = v.out || left.get(v.id);
      return h('li', { data: { visitor: v.id } },
        h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, v.name), h('span', { class: 'rec-time' }, shortTime(v.at))),
        h('div', { class: 'rec-body' }, `→ ${v.visiting}${v.plate ? ` · ${v.plate}` : ''}${v.approved ? ` · ${t('gate.host_approved')}` : ''}`),
        h('div', { class: 'rec-foot' },
          v.state ? h('span', { class: `badge ${v.state}`, data: { state: v.state } }, t(`state.${v.state}`)) : null,
          out ? h('span', { class: 'badge' }, t('gate.left', { t: shortTime(out) }))
            : [h('span', { class: 'badge' }, t('gate.inside')),
              h('button', { type: 'button', class: 'small', data: { action: 'visitor-leave' }, onclick: () => leave(v.id) }, t('gate.leave'))]));
    }));
    if (!rows.length) visitorsList.appendChild(h('li', { class: 'muted' }, t('gate.no_visitors')));
  }
  return { update };
}
