// Boarding pupils (住宿生), for the school's own staff: the dormitory's bed-time roll call
// (晚间就寝点名登记) and the pupils' leave (请销假), saved to the outbox and synced when there
// is a network, so a dorm without signal is no obstacle. The server decides
// (app/boarding/rules.py): one roll call per dorm and night, one open leave per pupil; this
// screen shows what it can know offline (pupils on leave are prefilled as absent).
import { h, localDate, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as records from '../records-store.js';
import * as vocab from '../vocabulary.js';
import { syncNow } from '../sync.js';
import { flash, selectOf } from './common.js';

const MORNING_HOUR = 6; // before 06:00 the roll call is still last night's (app/boarding/rules.py)

function tonight(now = new Date()) {
  const d = new Date(now);
  if (d.getHours() < MORNING_HOUR) d.setDate(d.getDate() - 1);
  return localDate(d);
}

const boardingSites = () => model.sites().filter((s) => (s.dormitories || []).length);

// The open leaves of a school: the server's, then this phone's newer ones (out and back).
async function openLeaves(siteId, entries) {
  const leaves = new Map();
  for (const l of await records.ofEntity('pupil_leave')) {
    if (String(l.site_id) === String(siteId) && !l.back_at) leaves.set(l.id, { ...l });
    else leaves.delete(l.id);
  }
  for (const e of [...entries].reverse()) {
    if (e.type === 'boarding.leave_out' && e.state !== 'conflict') {
      if (!leaves.has(e.id) && pupilSite(e.payload.pupil_id) === String(siteId)) {
        leaves.set(e.id, { id: e.id, pupil_id: e.payload.pupil_id, expected_back_at: e.payload.expected_back_at, approved_by_name: e.payload.approved_by_name, event_time: e.occurred_at });
      }
    } else if (e.type === 'boarding.leave_back') leaves.delete(e.payload.leave_id);
  }
  return [...leaves.values()];
}

function pupilsOf(site) {
  return (site ? site.dormitories : []).flatMap((d) => d.pupils.map((p) => ({ ...p, dorm: d.name })));
}

function pupilSite(pupilId) {
  for (const s of boardingSites()) if (pupilsOf(s).some((p) => p.id === pupilId)) return String(s.id);
  return '';
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const siteSel = h('select', { name: 'site' });
  const dormSel = h('select', { name: 'dormitory' });
  const night = h('input', { type: 'date', name: 'night', value: tonight() });
  const taken = h('div', { data: { taken: '' } });
  const list = h('ul', { class: 'list roll', data: { pupils: '' } });
  const save = h('button', { type: 'submit', class: 'primary', data: { action: 'save-roll-call' } }, t('brd.save'));
  const rollForm = h('form', { class: 'card', data: { form: 'roll-call' } },
    h('label', {}, t('brd.dormitory'), dormSel),
    h('label', {}, t('brd.night'), night),
    taken, h('p', { class: 'muted' }, t('brd.tick_hint')), list, save);
  const lf = {
    pupil: h('select', { name: 'leave_pupil', required: true }),
    reason: h('input', { type: 'text', name: 'leave_reason', maxlength: '500' }),
    by: h('input', { type: 'text', name: 'approved_by_name', maxlength: '200', required: true }),
    back: h('input', { type: 'datetime-local', name: 'expected_back_at', required: true }),
  };
  const leaveForm = h('form', { class: 'card', data: { form: 'leave' } },
    h('label', {}, t('brd.pupil'), lf.pupil),
    h('label', {}, `${t('brd.leave_reason')} ${t('common.optional')}`, lf.reason),
    h('label', {}, t('brd.approved_by'), lf.by),
    h('label', {}, t('brd.expected_back'), lf.back),
    h('button', { type: 'submit', class: 'primary', data: { action: 'leave-out' } }, t('brd.leave_out')));
  const leavesList = h('ul', { class: 'list', data: { leaves: '' } });
  root.append(h('h2', {}, t('brd.title')), msg,
    h('label', {}, t('common.site'), siteSel),
    h('h3', {}, t('brd.roll_call')), rollForm,
    h('h3', {}, t('brd.leaves')), leavesList, leaveForm);

  // What was ticked or typed survives the re-render of every store change.
  const marks = new Map(); // pupil id -> { present, reason, note }
  let marksFor = '';

  rollForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const dorm = currentDorm();
    if (!dorm) return;
    const absent = dorm.pupils.filter((p) => !mark(p).present).map((p) => {
      const m = mark(p);
      return { pupil_id: p.id, reason: m.reason || 'other', note: m.note.trim() };
    });
    await outbox.add(u.id, 'boarding.roll_call', { dormitory_id: dorm.id, night: night.value, absent });
    flash(msg, t('brd.saved', { n: dorm.pupils.length - absent.length, total: dorm.pupils.length }));
    store.touch();
    syncNow();
  });

  leaveForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!lf.pupil.value || !lf.by.value.trim() || !lf.back.value) return;
    const back = new Date(lf.back.value);
    if (!(back > new Date())) { flash(msg, t('brd.back_in_future'), 'bad'); return; }
    const payload = { pupil_id: Number(lf.pupil.value), approved_by_name: lf.by.value.trim(), expected_back_at: back.toISOString() };
    if (lf.reason.value.trim()) payload.reason = lf.reason.value.trim();
    await outbox.add(u.id, 'boarding.leave_out', payload);
    lf.reason.value = ''; lf.back.value = '';
    flash(msg, t('common.saved'));
    store.touch();
    syncNow();
  });

  async function back(leave) {
    await outbox.add(u.id, 'boarding.leave_back', { leave_id: leave.id });
    flash(msg, t('brd.back_saved'));
    store.touch();
    syncNow();
  }

  function currentDorm() {
    const s = model.site(siteSel.value);
    return s ? (s.dormitories || []).find((d) => String(d.id) === dormSel.value) || null : null;
  }
  function mark(p) {
    if (!marks.has(p.id)) marks.set(p.id, { present: true, reason: '', note: '' });
    return marks.get(p.id);
  }

  siteSel.addEventListener('change', () => { dormSel.value = ''; update(); });
  dormSel.addEventListener('change', () => update());
  night.addEventListener('change', () => update());
  let builtFor = null;

  async function update() {
    const sites = boardingSites();
    if (!sites.length) { root.replaceChildren(h('h2', {}, t('brd.title')), h('p', { class: 'msg warn' }, t('brd.no_dorms'))); return; }
    const key = sites.map((s) => s.id).join(',');
    if (builtFor !== key) {
      const keep = siteSel.value || String(u.home_site_id || sites[0].id);
      siteSel.replaceChildren(...sites.map((s) => h('option', { value: String(s.id), selected: String(s.id) === keep }, s.name)));
      builtFor = key;
    }
    const s = model.site(siteSel.value) || sites[0];
    const keepDorm = dormSel.value || String(s.dormitories[0].id);
    dormSel.replaceChildren(...s.dormitories.map((d) => h('option', { value: String(d.id), selected: String(d.id) === keepDorm }, `${d.name}（${d.pupils.length}）`)));
    const dorm = currentDorm();
    const entries = (await model.myEntries()).filter((e) => e.state !== 'rejected');
    const leaves = await openLeaves(s.id, entries);
    const onLeave = new Set(leaves.map((l) => l.pupil_id));
    const forKey = `${dorm ? dorm.id : ''}:${night.value}`;
    if (marksFor !== forKey) { // a new dorm or night: start from "all in bed", leaves absent
      marks.clear();
      for (const p of dorm ? dorm.pupils : []) if (onLeave.has(p.id)) marks.set(p.id, { present: false, reason: 'on_leave', note: '' });
      marksFor = forKey;
    }
    // Taken already (the server's, or saved on this phone)?
    const pulled = (await records.ofEntity('roll_call')).find((c) => dorm && c.dormitory_id === dorm.id && String(c.night) === night.value);
    const mine = entries.find((e) => e.type === 'boarding.roll_call' && dorm && e.payload.dormitory_id === dorm.id && e.payload.night === night.value);
    const done = pulled || mine;
    taken.replaceChildren(done ? h('p', { class: 'msg ok', data: { rollCallDone: '' } }, t('brd.done', {
      n: pulled ? pulled.present : dorm.pupils.length - mine.payload.absent.length, total: pulled ? pulled.expected : dorm.pupils.length,
    })) : null);
    save.disabled = Boolean(done);
    const reasons = vocab.options('absence_reason');
    list.replaceChildren(...(dorm ? dorm.pupils : []).map((p) => {
      const m = mark(p);
      const box = h('input', { type: 'checkbox', name: `present-${p.id}`, checked: m.present, 'aria-label': t('brd.present_of', { name: p.name }) });
      const why = selectOf(`reason-${p.id}`, reasons, m.reason, t('brd.reason'));
      why.setAttribute('aria-label', t('brd.reason_of', { name: p.name }));
      const note = h('input', { type: 'text', name: `note-${p.id}`, maxlength: '500', value: m.note, placeholder: t('brd.note'), 'aria-label': t('brd.note') });
      box.addEventListener('change', () => { m.present = box.checked; if (!m.present && !m.reason) m.reason = onLeave.has(p.id) ? 'on_leave' : ''; update(); });
      why.addEventListener('change', () => { m.reason = why.value; });
      note.addEventListener('input', () => { m.note = note.value; });
      return h('li', { class: m.present ? 'in-bed' : 'absent', data: { pupil: String(p.id), present: String(m.present) } },
        h('label', { class: 'check' }, box, `${p.name} `, h('span', { class: 'muted' }, p.class_name || '')),
        onLeave.has(p.id) ? h('span', { class: 'badge warn' }, t('brd.on_leave')) : null,
        m.present ? null : h('div', { class: 'row wrap' }, why, note));
    }));
    const pupils = pupilsOf(s);
    const keepPupil = lf.pupil.value;
    lf.pupil.replaceChildren(h('option', { value: '' }, t('brd.pick_pupil')),
      ...pupils.filter((p) => !onLeave.has(p.id)).map((p) => h('option', { value: String(p.id), selected: String(p.id) === keepPupil }, `${p.name} · ${p.dorm}`)));
    const name = (id) => (pupils.find((p) => p.id === id) || {}).name || `#${id}`;
    const now = new Date();
    leavesList.replaceChildren(...leaves.map((l) => {
      const overdue = new Date(l.expected_back_at) < now;
      return h('li', { class: overdue ? 'short' : '', data: { leave: l.id, overdue: String(overdue) } },
        h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, name(l.pupil_id)),
          h('span', { class: overdue ? 'bad-text' : 'muted' }, t(overdue ? 'brd.overdue' : 'brd.back_by', { t: shortTime(l.expected_back_at) }))),
        h('div', { class: 'rec-body' }, t('brd.approved_line', { who: l.approved_by_name || '', t: shortTime(l.event_time) })),
        h('button', { type: 'button', class: 'small', data: { action: 'leave-back' }, onclick: () => back(l) }, t('brd.leave_back')));
    }));
    if (!leaves.length) leavesList.appendChild(h('li', { class: 'muted' }, t('brd.no_leaves')));
  }
  return { update };
}
