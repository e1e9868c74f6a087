// Group leader (组长): confirm or return the group's ended shifts (pushed as shift.review
// mutations, so this works offline too) and check the duty roster (值班表, online only).
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { api } from '../api.js';
import { syncNow } from '../sync.js';
import { flash, dayLabel, daySpan, dayTime } from './common.js';

/** A length in seconds as 1小时05分 / 1h05m. */
function duration(seconds) {
  const m = Math.round(seconds / 60);
  return m >= 60 ? t('leader.hours_minutes', { h: Math.floor(m / 60), m: String(m % 60).padStart(2, '0') }) : t('leader.minutes', { m });
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const shiftsList = h('ul', { class: 'list', data: { awaiting: '' } });
  const rosterBox = h('section', { data: { roster: '' } });
  root.append(h('h2', {}, t('leader.title')), msg, h('h3', {}, t('leader.awaiting')), shiftsList, rosterBox);

  async function review(shiftId, decision, comment) {
    if (decision === 'return' && !comment) { flash(msg, t('leader.comment_needed'), 'bad'); return; }
    const payload = { shift_id: shiftId, decision };
    if (comment) payload.comment = comment;
    await outbox.add(u.id, 'shift.review', payload);
    flash(msg, t('leader.reviewed'));
    store.touch();
    syncNow();
  }

  function shiftCard(s, scans) {
    const site = model.site(s.site_id);
    const cps = model.checkpointsOf(site);
    const scanned = new Set(scans.map((x) => x.checkpoint_id));
    const missed = cps.filter((c) => !scanned.has(c.id));
    const memberIds = s.member_ids;
    const flags = new Set(String(s.clock_flag || '').split(',').filter(Boolean));
    for (const x of scans) String(x.clock_flag || '').split(',').filter(Boolean).forEach((f) => flags.add(f));
    // Length and proof as the server decided them (app/shifts/rules.py): a very short shift
    // listing several people is what the leader should look at before confirming.
    const lengthS = Math.max(0, (Date.parse(s.ended_at) - Date.parse(s.event_time)) / 1000) || 0;
    const short = lengthS < vocab.ruleFigure('short_shift_s', 1800);
    const proof = { proven: 0, typed: 0, far: 0, no_gps: 0 };
    for (const x of scans) {
      const flags = String(x.proof_flag || '').split(',').filter(Boolean);
      if (!flags.length && 'proof_flag' in x) proof.proven += 1;
      for (const f of flags) if (f in proof) proof[f] += 1;
    }
    const comment = h('input', { type: 'text', name: 'comment', maxlength: '2000', placeholder: t('leader.comment'), 'aria-label': t('leader.comment') });
    return h('li', { data: { shift: s.id } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, site ? site.name : `#${s.site_id}`),
        h('span', { class: 'rec-time' }, t('leader.shift_time', { start: shortTime(s.event_time), end: shortTime(s.ended_at) }))),
      h('div', { class: 'rec-body' }, t('leader.members', { names: memberIds.map(model.userName).join('、') || '—' })),
      h('div', { class: 'rec-body', data: { recordedBy: String(s.recorded_by) } }, t('leader.recorded_by', { name: model.userName(s.recorded_by), len: duration(lengthS) })),
      h('div', { class: 'rec-body', data: { proof: `${proof.proven}/${scans.length}` } }, t('leader.proof', { n: scans.length, ...proof })),
      short ? h('div', { class: 'reason', data: { shortShift: '' } }, t('leader.short_shift', { len: duration(lengthS) })) : null,
      h('div', { class: `rec-body ${missed.length ? 'warn-text' : ''}`, data: { missed: String(missed.length) } },
        missed.length ? t('leader.missed', { names: missed.map((c) => c.name).join('、') }) : t('leader.no_missed')),
      flags.size ? h('div', { class: 'reason' }, t('leader.clock_flag', { flags: [...flags].map((f) => t(`clock.${f}`)).join('、') })) : null,
      comment,
      h('div', { class: 'row' },
        h('button', { type: 'button', data: { action: 'confirm' }, onclick: () => review(s.id, 'confirm', comment.value.trim()) }, vocab.label('review_decision', 'confirm')),
        h('button', { type: 'button', data: { action: 'return' }, onclick: () => review(s.id, 'return', comment.value.trim()) }, vocab.label('review_decision', 'return'))));
  }

  let rosterLoaded = false;
  async function loadRoster() {
    const groups = model.ledGroups();
    if (!groups.length || !navigator.onLine) {
      rosterBox.replaceChildren(groups.length ? h('p', { class: 'muted' }, t('leader.roster_offline')) : '');
      return;
    }
    const cards = [];
    for (const g of groups) {
      let rosters;
      try {
        rosters = await api(`/api/rosters?group_id=${encodeURIComponent(g.id)}`);
      } catch (e) {
        // No permission or the network went: hide the section rather than show an error.
        rosterBox.replaceChildren();
        return;
      }
      for (const r of rosters) cards.push(rosterCard(g, r));
    }
    rosterBox.replaceChildren(h('h3', {}, t('leader.roster')),
      h('a', { class: 'btn', href: '#/roster-plan', data: { action: 'plan-roster' } }, t('plan.open')), ...(cards.length ? cards : [h('p', { class: 'muted' }, t('leader.roster_none'))]));
    rosterLoaded = true;
  }

  function rosterCard(g, r) {
    const { shifts } = r;
    const submit = h('button', { type: 'button', class: 'small', data: { action: 'submit-roster' } }, t('leader.roster_submit'));
    submit.addEventListener('click', async () => {
      try {
        await api(`/api/rosters/${r.id}/submit`, { method: 'POST' });
        await loadRoster();
      } catch (e) { flash(msg, e.message, 'bad'); }
    });
    return h('div', { class: 'card', data: { rosterId: String(r.id) } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${g.name} ${dayLabel(r.period_start)} – ${dayLabel(r.period_end)}`),
        r.submitted_at ? h('span', { class: 'badge synced' }, t('leader.roster_submitted', { t: dayTime(r.submitted_at) }))
          : (r.due_at ? h('span', { class: 'badge pending' }, t('leader.roster_due', { t: dayTime(r.due_at) })) : null)),
      h('ul', { class: 'list' }, shifts.map((s) => {
        const site = model.site(s.site_id);
        const req = (site && site.required_patrol_staff) || 4;
        const n = s.member_ids.length;
        const short = s.understaffed;
        return h('li', { data: { rosterShift: String(s.id), understaffed: String(Boolean(short)) } },
          h('div', { class: 'rec-head' },
            h('span', {}, site ? site.name : `#${s.site_id}`),
            h('span', { class: 'rec-time', data: { span: '' } }, daySpan(s.starts_at, s.ends_at))),
          h('div', { class: 'rec-body' }, s.member_ids.map(model.userName).join('、')),
          short ? h('div', { class: 'reason' }, `⚠ ${t('leader.roster_short', { req })}（${n}）`) : null);
      })),
      r.submitted_at ? null : submit);
  }

  return {
    async update() {
      const groupIds = new Set(model.ledGroups().map((g) => String(g.id)));
      const siteIds = new Set(model.ledGroups().flatMap((g) => model.siteIdsOf(g).map(String)));
      const mine = await model.myEntries();
      const reviewed = new Set(mine.filter((e) => e.type === 'shift.review' && e.state !== 'rejected').map((e) => e.payload.shift_id));
      // Never her own: a shift she recorded or is listed on is signed off by someone else
      // (the server refuses it: own_shift_review).
      const own = (s) => s.recorded_by === u.id || (s.member_ids || []).includes(u.id);
      const shifts = (await model.pulledShifts()).filter((s) => s.status === 'ended' && !reviewed.has(s.id) && !own(s)
        && (s.group_id != null ? groupIds.has(String(s.group_id)) : siteIds.has(String(s.site_id))));
      const scans = await model.pulledScans();
      shiftsList.replaceChildren(...shifts.map((s) => shiftCard(s, scans.filter((x) => x.shift_id === s.id))));
      if (!shifts.length) shiftsList.appendChild(h('li', { class: 'muted' }, t('leader.none')));
      if (!rosterLoaded) await loadRoster();
    },
  };
}
