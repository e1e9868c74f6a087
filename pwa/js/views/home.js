// Home: who is logged in, the sync status and every record made on this phone with its state.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { logout } from '../auth.js';
import * as model from '../model.js';
import { attentionIds, markSeen } from '../outbox.js';
import { fillEntries } from './common.js';

export function mount(root) {
  const u = store.user;
  const list = h('ul', { class: 'list', data: { records: '' } });
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
      ack.hidden = attention.length === 0;
      await fillEntries(list, entries, t('home.empty'));
    },
  };
}
