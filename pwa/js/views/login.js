// Login: needs the network once; afterwards the app opens offline with the stored session.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { login } from '../auth.js';
import { store } from '../store.js';
import { syncNow, refreshCounts } from '../sync.js';

export function mount(root) {
  const msg = h('div', { data: { msg: '' } });
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', placeholder: t('login.username_hint'), value: store.get('needsLogin') && store.user ? store.user.username : '' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', { class: 'card login', data: { form: 'login' } },
    h('h2', {}, t('login.title')),
    store.get('needsLogin') ? h('p', { class: 'msg warn' }, t('login.again')) : null,
    h('label', {}, t('login.username'), username),
    h('label', {}, t('login.password'), password),
    submit, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!navigator.onLine) { msg.replaceChildren(h('p', { class: 'msg bad' }, t('login.offline'))); return; }
    submit.disabled = true;
    msg.replaceChildren(h('p', { class: 'muted' }, t('login.busy')));
    try {
      await login(username.value.trim(), password.value);
      location.hash = '#/home';
      await refreshCounts();
      syncNow();
    } catch (e) {
      const text = e.status === 0 ? t('login.offline') : t('login.failed', { msg: e.message });
      msg.replaceChildren(h('p', { class: 'msg bad', role: 'alert' }, text));
    } finally {
      submit.disabled = false;
    }
  });
  root.appendChild(form);
  return {};
}
