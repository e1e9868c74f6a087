// Home: who is logged in, her shifts as the server holds them (from any of her phones) with the
// leader's review (已确认 / 已退回 and the comment, a button to amend a returned one), and every
// record made on this phone with its state.
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { logout } from '../auth.js';
import * as model from '../model.js';
import { attentionIds, markSeen } from '../outbox.js';
import * as vocab from '../vocabulary.js';
import { fillEntries } from './common.js';

// One of her shifts with its review: what a member needs to know of it after the leader saw it.
function shiftItem(s, toAmend) {
  const site = model.site(s.site_id);
  const returned = toAmend.has(s.id);
  return h('li', { class: returned ? 'returned' : '', data: { myShift: s.id, status: s.status } },
    h('div', { class: 'rec-head' },
      h('span', { class: 'rec-title' }, site ? site.name : `#${s.site_id}`),
      h('span', { class: 'rec-time' }, `${model.dateOf(s.event_time)} ${shortTime(s.event_time)}`)),
    h('div', { class: 'rec-foot' },
      h('span', { class: `badge st-${s.status}`, data: { shiftStatus: s.status } }, vocab.label('shift_status', s.status)),
      s.review_comment ? h('span', { class: 'reason', data: { reviewComment: '' } }, t('home.review_comment', { c: s.review_comment })) : null,
      returned ? h('a', { class: 'btn small', href: `#/patrol?shift=${s.id}`, data: { action: 'amend-shift' } }, t('patrol.resume')) : null));
}

export function mount(root) {
  const u = store.user;
  const list = h('ul', { class: 'list', data: { records: '' } });
  const shiftsHead = h('h3', { hidden: true }, t('home.my_shifts'));
  const shifts = h('ul', { class: 'list', data: { myShifts: '' } });
  const note = h('div');
  const ack = h('button', { type: 'button', class: 'small', data: { action: 'ack' }, hidden: true }, t('record.ok'));
  const out = h('button', { type: 'button', data: { action: 'logout' } }, t('home.logout'));
  out.addEventListener('click', async () => {
    let res = await logout();
    if (!res.ok) {
      let text = t('home.logout_pending', { n: res.pending });
      if (!navigator.onLine) text += `\n${t('home.logout_offline')}`;
      if (!window.confirm(text)) return;
      res = await logout({ force: true });
    }
    location.hash = '#/login';
  });
  root.append(
    h('section', { class: 'card' },
      h('h2', {}, t('home.hello', { name: u.display_name })),
      h('p', { class: 'muted' }, t('home.role', { roles: (u.roles || []).map((r) => t(`role.${r}`)).join('、') })),
      out),
    shiftsHead, shifts,
    h('div', { class: 'row' }, h('h3', {}, t('home.records')), ack),
    note, list);
  let attention = [];
  ack.addEventListener('click', async () => { await markSeen(attention); store.touch(); });
  return {
    async update() {
      // The 200 newest entries, not every entry of the outbox; the ones needing attention are
      // found by their state (index), however old they are.
      const [entries, ids] = await Promise.all([model.recentEntries(200), attentionIds(u.id)]);
      attention = ids;
      // Returned shifts first: they wait for her; then the newest of the others.
      const [mine, amend] = await Promise.all([model.myShifts(), model.shiftsToAmend(entries)]);
      const toAmend = new Set(amend.map((x) => x.id));
      const shown = [...amend, ...mine.filter((x) => !toAmend.has(x.id))].slice(0, 20);
      shiftsHead.hidden = shown.length === 0;
      shifts.replaceChildren(...shown.map((x) => shiftItem(x, toAmend)));
      ack.hidden = attention.length === 0;
      await fillEntries(list, entries, t('home.empty'));
    },
  };
}
