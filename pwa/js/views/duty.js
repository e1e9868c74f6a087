// Leadership duty (领导值班和带班), for the duty cadre: on a day the school planned her (or
// named her the substitute), she records that she is on duty, with an optional note of the
// round (带班巡查). Saved to the outbox and synced when there is a network; the server decides
// (app/duty/rules.py): only the planned cadre or the substitute, one record per school and day.
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as records from '../records-store.js';
import { syncNow } from '../sync.js';
import { flash, dayLabel } from './common.js';

/** The planned days (from the bootstrap) this user keeps: [{site, day, substitute}]. */
export function myDutyDays(userId) {
  const out = [];
  for (const s of model.sites()) {
    for (const p of s.duty_plan || []) {
      if (p.cadre_id === userId || p.substitute_id === userId) out.push({ site: s, day: p.day, substitute: p.substitute_id === userId });
    }
  }
  return out;
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const today = h('div', { data: { today: '' } });
  const list = h('ul', { class: 'list', data: { dutyDays: '' } });
  root.append(h('h2', {}, t('duty.title')), msg, today, h('h3', {}, t('duty.planned')), list,
    h('p', {}, h('a', { href: `#/duty-plan?site=${u.home_site_id || ''}`, data: { planLink: '' } }, t('duty.plan_link'))));

  async function checkIn(site, day, note) {
    await outbox.add(u.id, 'duty.check_in', { site_id: site.id, day, round_note: note.trim() });
    flash(msg, t('duty.saved'));
    store.touch();
    syncNow();
  }

  async function update() {
    const days = myDutyDays(u.id);
    const now = localDate();
    const entries = (await model.myEntries()).filter((e) => e.type === 'duty.check_in' && e.state !== 'rejected');
    const pulled = await records.ofEntity('duty_record');
    const done = (site, day) => entries.some((e) => e.payload.site_id === site.id && e.payload.day === day)
      || pulled.some((r) => r.site_id === site.id && String(r.day) === day);
    const todays = days.filter((d) => d.day === now);
    if (!todays.length) today.replaceChildren(h('p', { class: 'msg warn' }, t('duty.not_today')));
    else {
      today.replaceChildren(...todays.map((d) => {
        if (done(d.site, d.day)) return h('p', { class: 'msg ok', data: { dutyDone: '' } }, t('duty.done', { site: d.site.name }));
        const note = h('textarea', { name: 'round_note', maxlength: '1000', rows: '3', placeholder: t('duty.note_hint'), 'aria-label': t('duty.note') });
        const form = h('form', { class: 'card', data: { form: 'duty' } },
          h('p', {}, t(d.substitute ? 'duty.today_sub' : 'duty.today', { site: d.site.name })),
          h('label', {}, `${t('duty.note')} ${t('common.optional')}`, note),
          h('button', { type: 'submit', class: 'primary', data: { action: 'duty-check-in' } }, t('duty.check_in')));
        form.addEventListener('submit', (ev) => { ev.preventDefault(); checkIn(d.site, d.day, note.value); });
        return form;
      }));
    }
    list.replaceChildren(...days.filter((d) => d.day >= now).map((d) => h('li', { data: { dutyDay: d.day } },
      h('span', { class: 'rec-title' }, `${dayLabel(d.day)} · ${d.site.name}`),
      d.substitute ? h('span', { class: 'badge' }, t('duty.substitute')) : null)));
    if (!list.children.length) list.appendChild(h('li', { class: 'muted' }, t('duty.none')));
  }
  return { update };
}
