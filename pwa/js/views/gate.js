// Gate duty (校门口值班): today's windows, check in / out, how many are at the gate against
// the required 4, and the visitor register (准入登记). A visitor is let in only once the host
// agreed (app/gate/rules.py): one registered before the answer waits at the gate (等待同意)
// until the gate records who answered and how (often by phone); only an approved visitor is
// 在校内. A vehicle or goods go out checked against the pass slip (出门条).
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { syncNow } from '../sync.js';
import { flash, selectOf } from './common.js';

// Where a visitor stands: app/gate/rules.py visitor_state, mirrored so the gate sees it offline.
function visitorState(v) {
  if (v.out) return 'left';
  if (v.approval === 'approved') return 'inside';
  return v.approval === 'refused' ? 'refused' : 'waiting';
}

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
    by: h('input', { type: 'text', name: 'approved_by_name', maxlength: '200' }),
    via: selectOf('approval_via', [], 'phone'),
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
    h('div', { class: 'row', data: { approvalBy: '' } },
      h('label', {}, `${t('gate.approved_by')} ${t('common.optional')}`, vf.by),
      h('label', {}, t('gate.approval_via'), vf.via)),
    h('label', {}, `${t('gate.vehicle_plate')} ${t('common.optional')}`, vf.plate),
    h('label', {}, `${t('gate.goods')} ${t('common.optional')}`, vf.goods),
    h('label', {}, `${t('gate.pass_slip')} ${t('common.optional')}`, vf.slip),
    h('button', { type: 'submit', class: 'primary' }, t('gate.enter')));
  vform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!vf.name.value.trim() || !vf.visiting.value.trim()) return;
    const approved = vf.approved.checked;
    const payload = {
      site_id: Number(siteSel.value), name: vf.name.value.trim(), visiting: vf.visiting.value.trim(),
      approval: approved ? 'approved' : 'asked', host_approved: approved,
    };
    if (approved) {
      payload.approval_via = vf.via.value || 'phone';
      if (vf.by.value.trim()) payload.approved_by_name = vf.by.value.trim();
    }
    if (vf.purpose.value.trim()) payload.purpose = vf.purpose.value.trim();
    if (vf.plate.value.trim()) payload.vehicle_plate = vf.plate.value.trim().toUpperCase();
    if (vf.goods.value.trim()) payload.goods = vf.goods.value.trim();
    if (vf.slip.value.trim()) payload.pass_slip_no = vf.slip.value.trim();
    await outbox.add(u.id, 'visitor.enter', payload);
    for (const el of Object.values(vf)) {
      if (el.type === 'checkbox') el.checked = false;
      else if (el.tagName !== 'SELECT') el.value = '';
    }
    flash(msg, t(approved ? 'common.saved' : 'gate.saved_waiting'), approved ? 'ok' : 'warn');
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

  async function leave(v, slipSel) {
    const payload = { visitor_id: v.id };
    if (v.plate || v.goods) { // checked against the pass slip before they go (出门条)
      if (!slipSel.value) { flash(msg, t('gate.slip_needed'), 'bad'); return; }
      payload.slip_check = slipSel.value;
    }
    await outbox.add(u.id, 'visitor.leave', payload);
    store.touch();
    syncNow();
  }

  const labelled = (el, text) => { el.setAttribute('aria-label', text); return el; };

  // The list is rebuilt on every store change: what was typed or picked in a row is kept here.
  const drafts = new Map();
  function keep(el, key) {
    if (drafts.has(key)) el.value = drafts.get(key);
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => drafts.set(key, el.value));
    return el;
  }

  // The host's answer, recorded by the gate: who answered (the person visited unless named).
  async function decide(v, decision, byInput, viaSel) {
    const payload = { visitor_id: v.id, decision, approval_via: viaSel.value || 'phone' };
    if (byInput.value.trim()) payload.approved_by_name = byInput.value.trim();
    await outbox.add(u.id, 'visitor.decide', payload);
    flash(msg, t(decision === 'approved' ? 'gate.decided_in' : 'gate.decided_out'), decision === 'approved' ? 'ok' : 'warn');
    store.touch();
    syncNow();
  }

  function visitorActions(v, state) {
    if (state === 'waiting') {
      const by = keep(h('input', { type: 'text', name: 'decide_by', maxlength: '200', placeholder: v.visiting, 'aria-label': t('gate.approved_by') }), `${v.id}:by`);
      const via = keep(labelled(selectOf('decide_via', vocab.options('approval_via'), 'phone'), t('gate.approval_via')), `${v.id}:via`);
      return h('div', { class: 'row wrap', data: { decide: v.id } }, by, via,
        h('button', { type: 'button', class: 'small primary', data: { action: 'visitor-approve' }, onclick: () => decide(v, 'approved', by, via) }, t('gate.approve')),
        h('button', { type: 'button', class: 'small', data: { action: 'visitor-refuse' }, onclick: () => decide(v, 'refused', by, via) }, t('gate.refuse')));
    }
    if (state !== 'inside') return null;
    const slip = v.plate || v.goods ? keep(labelled(selectOf('slip_check', vocab.options('slip_check'), '', t('gate.slip_check')), t('gate.slip_check')), `${v.id}:slip`) : null;
    return h('div', { class: 'row wrap' }, slip,
      h('button', { type: 'button', class: 'small', data: { action: 'visitor-leave' }, onclick: () => leave(v, slip) }, t('gate.leave')));
  }

  siteSel.addEventListener('change', () => update());
  let builtFor = null;
  let viaFor; // the vocabulary the approval_via choices were filled from

  async function update() {
    const sites = gateSites();
    const key = sites.map((s) => s.id).join(',');
    if (builtFor !== key) {
      const keep = siteSel.value || String(u.home_site_id || (sites[0] && sites[0].id) || '');
      siteSel.replaceChildren(...sites.map((s) => h('option', { value: String(s.id), selected: String(s.id) === keep }, s.name)));
      builtFor = key;
    }
    const boot = store.get('bootstrap');
    if (boot && viaFor !== boot.vocabulary) {
      viaFor = boot.vocabulary;
      const keep = vf.via.value || 'phone';
      vf.via.replaceChildren(...vocab.options('approval_via').map(([c, l]) => h('option', { value: c, selected: c === keep }, l)));
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
    // Today's visitors at this site: the server's register, then this phone's newer records.
    const visitors = new Map();
    for (const v of await model.pulledVisitors()) {
      if (String(v.site_id) !== String(s.id) || model.dateOf(v.event_time) !== today) continue;
      visitors.set(v.id, {
        id: v.id, name: v.name, visiting: v.visiting, plate: v.vehicle_plate, goods: v.goods, at: v.event_time, out: v.time_out,
        approval: v.approval || (v.host_approved ? 'approved' : 'asked'), by: v.approved_by_name, via: v.approval_via, answeredAt: v.approval_at, exitFlag: v.exit_flag,
      });
    }
    for (const e of [...entries].reverse()) { // oldest first, so a later record wins
      const p = e.payload;
      if (e.type === 'visitor.enter') {
        if (String(p.site_id) !== String(s.id) || model.dateOf(e.occurred_at) !== today) continue;
        const v = visitors.get(e.id) || {
          id: e.id, name: p.name, visiting: p.visiting, plate: p.vehicle_plate, goods: p.goods, at: e.occurred_at,
          approval: p.approval || (p.host_approved ? 'approved' : 'asked'), by: p.approved_by_name || (p.approval === 'approved' ? p.visiting : null), via: p.approval_via, answeredAt: p.approval === 'approved' ? e.occurred_at : null,
        };
        v.state = e.state;
        visitors.set(e.id, v);
      } else if (e.type === 'visitor.decide' && visitors.has(p.visitor_id)) {
        const v = visitors.get(p.visitor_id);
        if (v.approval === 'asked') Object.assign(v, { approval: p.decision, by: p.approved_by_name || v.visiting, via: p.approval_via, answeredAt: e.occurred_at });
      } else if (e.type === 'visitor.leave' && visitors.has(p.visitor_id)) {
        const v = visitors.get(p.visitor_id);
        v.out = v.out || e.occurred_at;
      }
    }
    const rows = [...visitors.values()].sort((a, b) => new Date(b.at) - new Date(a.at));
    visitorsList.replaceChildren(...rows.map((v) => {
      const state = visitorState(v);
      const answer = v.approval !== 'asked'
        ? h('div', { class: 'muted', data: { approvalBy: v.by || '' } }, t('gate.answered', {
          a: vocab.label('visitor_approval', v.approval), who: v.by || v.visiting, via: v.via ? vocab.label('approval_via', v.via) : '', t: shortTime(v.answeredAt || v.at),
        })) : null;
      return h('li', { class: `visitor st-${state}`, data: { visitor: v.id, visitorState: state } },
        h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, v.name), h('span', { class: 'rec-time' }, shortTime(v.at))),
        h('div', { class: 'rec-body' }, `→ ${v.visiting}${v.plate ? ` · ${v.plate}` : ''}${v.goods ? ` · ${v.goods}` : ''}`),
        answer,
        h('div', { class: 'rec-foot' },
          v.state ? h('span', { class: `badge ${v.state}`, data: { state: v.state } }, t(`state.${v.state}`)) : null,
          h('span', { class: `badge vs-${state}` }, state === 'left' ? t('gate.left', { t: shortTime(v.out) }) : vocab.label('visitor_state', state)),
          v.exitFlag ? h('span', { class: 'badge bad', data: { exitFlag: v.exitFlag } }, t(`gate.exit_flag.${v.exitFlag}`)) : null),
        visitorActions(v, state));
    }));
    if (!rows.length) visitorsList.appendChild(h('li', { class: 'muted' }, t('gate.no_visitors')));
  }
  return { update };
}
