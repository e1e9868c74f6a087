// Admin: users (巡逻人员, 门卫, 组长, 督查, 管理员), one by one or by CSV upload; disabling a
// user keeps her records and ends her logins (PATCH active=false).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import * as A from './admin-common.js';
import { csvImport } from './admin-csv.js';

export const ROLES = ['member', 'gate', 'leader', 'supervisor', 'admin'];

export function mount(root) {
  const ui = A.frame(root, 'users', { onTown: () => load() });
  const list = h('div', { data: { userList: '' } });
  const homeSite = h('select', { name: 'home_site_id' });
  let sites = [];

  const roleBoxes = h('fieldset', { class: 'roles' }, h('legend', {}, t('admin.user.roles')),
    ROLES.map((r) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'member' }), t(`role.${r}`))));

  const createForm = A.form('user', [
    h('div', { class: 'filter-grid' },
      A.field(t('login.username'), A.input('username', { required: true, minlength: '2', maxlength: '64', autocomplete: 'off', autocapitalize: 'none' })),
      A.field(t('admin.user.display_name'), A.input('display_name', { required: true, maxlength: '100' })),
      A.field(t('login.password'), h('input', { type: 'password', name: 'password', required: true, minlength: '8', autocomplete: 'new-password' })),
      A.field(t('admin.user.phone'), A.input('phone', { inputmode: 'tel', maxlength: '32' })),
      A.field(t('admin.user.home_site'), homeSite)),
    roleBoxes,
  ], async (v, el) => {
    const roles = [...el.querySelectorAll('input[name=roles]:checked')].map((x) => x.value);
    try {
      const user = await api('/api/users', { method: 'POST', body: {
        username: v.username, display_name: v.display_name, password: v.password,
        phone: v.phone || null, home_site_id: A.num(v.home_site_id) ?? null, roles, town_id: A.newTownId(),
      } });
      el.reset();
      A.showOk(ui.msg, t('admin.user.created', { name: user.display_name }));
      await load();
    } catch (e) { A.showError(ui.msg, e); }
  }, t('admin.user.create'));

  const importer = csvImport('users', '/api/users/import', ui.msg, async (res) => {
    A.showOk(ui.msg, t('admin.imported', { n: res.imported }));
    await load();
  });

  ui.body.append(list, h('h3', {}, t('admin.user.new')), createForm, h('h3', {}, t('admin.csv.users')), importer);

  const siteName = (id) => { const s = sites.find((x) => x.id === id); return s ? s.name : '—'; };

  async function setActive(u, active) {
    if (!active && !window.confirm(t('admin.confirm_deactivate', { what: u.display_name }))) return;
    try { await api(`/api/users/${u.id}`, { method: 'PATCH', body: { active } }); await load(); } catch (e) { A.showError(ui.msg, e); }
  }

  async function load() {
    let users;
    try {
      [users, sites] = await Promise.all([api('/api/users'), api('/api/sites')]);
    } catch (e) { A.showError(ui.msg, e); return; }
    users = A.ofChosenTown(users);
    sites = A.ofChosenTown(sites);
    const keep = homeSite.value;
    homeSite.replaceChildren(h('option', { value: '' }, '—'), ...sites.map((s) => h('option', { value: String(s.id), selected: String(s.id) === keep }, s.name)));
    list.replaceChildren(A.table(t('admin.title.users'), [
      t('login.username'), t('admin.user.display_name'), t('admin.user.roles'), t('admin.user.phone'), t('admin.user.home_site'), t('admin.state'), '',
    ], users.map((u) => ({
      attrs: { data: { user: u.username, active: String(u.active) } },
      cells: [h('span', { translate: 'no' }, u.username), u.display_name, u.roles.map((r) => t(`role.${r}`)).join('、'), u.phone || '—',
        u.home_site_id ? siteName(u.home_site_id) : '—', u.active ? t('admin.active') : t('admin.inactive'),
        h('button', { type: 'button', class: 'small', onclick: () => setActive(u, !u.active) }, u.active ? t('admin.deactivate') : t('admin.activate'))],
    }))));
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await load(); } } };
}
