// Pieces several screens share: one record with its sync state, lists of records.
import { h, shortTime } from '../util.js';
import { t, getLang, serverText } from '../i18n/index.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { photosPending } from '../outbox.js';

function summary(e) {
  const p = e.payload || {};
  switch (e.type) {
    case 'shift.start': {
      const s = model.site(p.site_id);
      return `${s ? s.name : `#${p.site_id}`} · ${t('record.people', { n: (p.member_ids || []).length })}`;
    }
    case 'shift.scan': return p.checkpoint_name ? `${p.checkpoint_code} ${p.checkpoint_name}` : p.checkpoint_code;
    case 'shift.review': return `${vocab.label('review_decision', p.decision)} ${p.comment || ''}`;
    case 'gate.check': {
      const s = model.site(p.site_id);
      const w = model.windowsOf(s).find((x) => x.id === p.window_id);
      return `${w ? w.name : ''} ${vocab.label('gate_direction', p.direction)}`;
    }
    case 'visitor.enter': return `${p.name} → ${p.visiting}${p.vehicle_plate ? ` · ${p.vehicle_plate}` : ''}`;
    case 'hazard.report':
      return `${vocab.label('hazard_category', p.category)} · ${vocab.label('hazard_severity', p.severity)} · ${p.description}`;
    case 'boarding.roll_call': {
      const dorm = model.sites().flatMap((x) => x.dormitories || []).find((d) => d.id === p.dormitory_id);
      return `${dorm ? dorm.name : ''} ${p.night} · ${t('brd.absent_n', { n: (p.absent || []).length })}`;
    }
    case 'village.form':
      return `${p.month} · ${t('vil.summary_line', { p: p.petitions || 0, u: p.unstable_factors || 0, n: (p.disputes || []).length })}`;
    case 'drill.record': return `${vocab.label('activity_kind', p.kind)} · ${p.held_on} · ${p.topic}`;
    case 'defence.check': {
      const d = model.sites().flatMap((x) => x.defence_devices || []).find((x) => x.id === p.defence_device_id);
      return `${d ? d.name : ''} · ${vocab.label('check_result', p.result)}${p.description ? ` · ${p.description}` : ''}`;
    }
    case 'defence.fault_transition': return `${vocab.label('fault_action', p.action)}${p.comment ? ` · ${p.comment}` : ''}`;
    default: return '';
  }
}

/** One record: what, when, its state, the server's reason, photos still uploading. */
export function entryItem(e, pendingShas = new Set()) {
  const total = (e.photos || []).length;
  const uploading = (e.photos || []).filter((s) => pendingShas.has(s)).length;
  const foot = h('div', { class: 'rec-foot' },
    h('span', { class: `badge ${e.state}`, data: { state: e.state } }, t(`state.${e.state}`)),
    total && uploading ? h('span', { class: 'badge uploading', data: { uploading: String(uploading) } },
      t('record.photos_uploading', { n: uploading, total })) : null,
    e.result && e.result.message && (e.state === 'conflict' || e.state === 'rejected')
      ? h('span', { class: 'reason' }, t('record.reason', { msg: serverText(e.result.message, e.result.message_zh) })) : null);
  return h('li', { data: { record: e.id, type: e.type, state: e.state } },
    h('div', { class: 'rec-head' },
      h('span', { class: 'rec-title' }, t(`type.${e.type}`)),
      h('span', { class: 'rec-time' }, shortTime(e.occurred_at))),
    h('div', { class: 'rec-body', data: { body: '' } }, summary(e)),
    foot);
}

/** Replaces ul's children with these entries (newest first). */
export async function fillEntries(ul, entries, emptyText) {
  const shas = [...new Set(entries.flatMap((e) => e.photos || []))];
  const pending = new Set(shas.length ? await photosPending(shas) : []);
  ul.replaceChildren(...entries.map((e) => entryItem(e, pending)));
  if (!entries.length && emptyText) ul.appendChild(h('li', { class: 'muted' }, emptyText));
}

/** Replaces a select's choices ([[value, label]], an optional empty first one) and picks value. */
export function fillSelect(select, options, value, placeholder) {
  const opt = (v, label) => h('option', { value: String(v), selected: String(v) === String(value ?? '') }, label);
  select.replaceChildren(...(placeholder ? [opt('', placeholder)] : []), ...options.map(([v, label]) => opt(v, label)));
  return select;
}

export function selectOf(name, options, value, placeholder) {
  return fillSelect(h('select', { name }), options, value, placeholder);
}

export function flash(container, text, kind = 'ok') {
  const m = h('p', { class: `msg ${kind}`, role: 'status' }, text);
  container.replaceChildren(m);
}

const pad2 = (n) => String(n).padStart(2, '0');

/** A local date (YYYY-MM-DD or a Date) as "12-07 周一" / "Mon 12-07": a day, never a bare time. */
export function dayLabel(value) {
  const d = typeof value === 'string' && value.length === 10 ? new Date(`${value}T12:00:00`) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const zh = getLang() === 'zh';
  const wd = new Intl.DateTimeFormat(zh ? 'zh-CN' : 'en', { weekday: 'short' }).format(d);
  const md = `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return zh ? `${md} ${wd}` : `${wd} ${md}`;
}

/** An instant as its day and local time: "12-07 周一 08:00". */
export function dayTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return `${dayLabel(d)} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** A planned duty's span with its day: "12-07 周一 00:00–08:00" (the end's day too if it differs). */
export function daySpan(startIso, endIso) {
  const a = new Date(startIso); const b = new Date(endIso);
  const sameDay = a.toDateString() === new Date(b.getTime() - 1).toDateString();
  const end = `${pad2(b.getHours())}:${pad2(b.getMinutes())}`;
  return `${dayTime(startIso)}–${sameDay ? (end === '00:00' ? '24:00' : end) : dayTime(endIso)}`;
}
