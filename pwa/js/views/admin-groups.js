// Admin: patrol groups (安全巡逻领导小组): name, leader (组长), members and the sites they patrol.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import { selectOf } from './common.js';
import * as A from './admin-common.js';

export function mount(root) {
  const ui = A.frame(root, 'groups', { onTown: () => load() });
  const list = h('div', { data: { groupList: '' } });
  let users = []; let sites = []; let groups = [];

  const nameOf = (id) => { const u = users.find((x) => x.id === id); return u ? u.display_name : `#${id}`; };
  const siteOf = (id) => { const s = sites.find((x) => x.id === id); return s ? s.name : `#${id}`; };
  const leaders = () => users.filter((u) => u.active && u.roles.includes('leader')).map((u) => [u.id, `${u.display_name}（${u.username}）`]);
  const people = () => users.filter((u) => u.active).map((u) => [u.id, `${u.display_name}（${u.username}）`]);
  // The option labels carry the username, a code: marked untranslated (translate=no).

  const createBox = h('div');
  ui.body.append(list, h('h3', {}, t('admin.group.new')), createBox);

  async function call(path, opts) {
    try { await api(path, opts); await load(); return true; } catch (e) { A.showError(ui.msg, e); return false; }
  }

  function groupCard(g) {
    const leader = selectOf('leader_id', leaders(), g.leader_id, t('admin.group.no_leader'));
    leader.setAttribute('translate', 'no');
    const addMember = selectOf('user_id', people().filter(([id]) => !g.member_ids.includes(id)), '', t('common.choose'));
    addMember.setAttribute('translate', 'no');
    const addSite = selectOf('site_id', sites.filter((s) => !g.site_ids.includes(s.id)).map((s) => [s.id, s.name]), '', t('common.choose'));
    const chip = (text, label, onRemove, data) => h('li', { class: 'chip', data },
      text, h('button', { type: 'button', class: 'chip-x', 'aria-label': label, onclick: onRemove }, '×'));
    return h('section', { class: 'card', data: { group: g.name, groupId: String(g.id) } },
      h('div', { class: 'rec-head' }, h('h3', { class: 'rec-title' }, g.name),
        h('span', { class: `badge ${g.active ? 'synced' : ''}` }, g.active ? t('admin.active') : t('admin.inactive'))),
      h('div', { class: 'row' }, A.field(t('role.leader'), leader),
        h('button', { type: 'button', class: 'small', data: { action: 'set-leader' }, onclick: () => call(`/api/groups/${g.id}`, {
          method: 'PATCH', body: { leader_id: leader.value ? Number(leader.value) : null } }) }, t('common.save'))),
      h('p', { class: 'muted' }, t('admin.group.members', { n: g.member_ids.length })),
      h('ul', { class: 'chips', data: { members: '' } }, g.member_ids.map((id) => chip(nameOf(id), t('admin.group.remove_member', { name: nameOf(id) }),
        () => call(`/api/groups/${g.id}/members/${id}`, { method: 'DELETE' }), { member: String(id) }))),
      h('div', { class: 'row' }, A.field(t('admin.group.add_member'), addMember),
        h('button', { type: 'button', class: 'small', data: { action: 'add-member' }, onclick: () => addMember.value
          && call(`/api/groups/${g.id}/members`, { method: 'POST', body: { user_id: Number(addMember.value) } }) }, t('admin.add'))),
      h('p', { class: 'muted' }, t('admin.group.sites', { n: g.site_ids.length })),
      h('ul', { class: 'chips', data: { sites: '' } }, g.site_ids.map((id) => chip(siteOf(id), t('admin.group.remove_site', { name: siteOf(id) }),
        () => call(`/api/groups/${g.id}/sites/${id}`, { method: 'DELETE' }), { site: String(id) }))),
      h('div', { class: 'row' }, A.field(t('admin.group.add_site'), addSite),
        h('button', { type: 'button', class: 'small', data: { action: 'add-site' }, onclick: () => addSite.value
          && call(`/api/groups/${g.id}/sites`, { method: 'POST', body: { site_id: Number(addSite.value) } }) }, t('admin.add'))),
      g.active ? h('button', { type: 'button', class: 'small', data: { action: 'deactivate-group' }, onclick: () => {
        if (window.confirm(t('admin.confirm_deactivate', { what: g.name }))) call(`/api/groups/${g.id}/deactivate`, { method: 'POST' });
      } }, t('admin.deactivate')) : null);
  }

  function renderCreate() {
    const members = h('select', { name: 'member_ids', multiple: true, size: '6', translate: 'no' }, people().map(([id, label]) => h('option', { value: String(id) }, label)));
    const siteSel = h('select', { name: 'site_ids', multiple: true, size: '4' }, sites.map((s) => h('option', { value: String(s.id) }, s.name)));
    createBox.replaceChildren(A.form('group', [h('div', { class: 'filter-grid' },
      A.field(t('admin.group.name'), A.input('name', { required: true, maxlength: '200' })),
      A.field(t('role.leader'), Object.assign(selectOf('leader_id', leaders(), '', t('admin.group.no_leader')), { translate: false })),
      A.field(t('admin.group.add_member'), members, t('admin.group.multi_hint')),
      A.field(t('admin.group.add_site'), siteSel, t('admin.group.multi_hint')))],
    async (v) => {
      const picked = (sel) => [...sel.selectedOptions].map((o) => Number(o.value));
      try {
        const g = await api('/api/groups', { method: 'POST', body: {
          name: v.name, leader_id: A.num(v.leader_id) ?? null, member_ids: picked(members), site_ids: picked(siteSel),
          town_id: A.newTownId(),
        } });
        A.showOk(ui.msg, t('admin.group.created', { name: g.name }));
        await load();
      } catch (e) { A.showError(ui.msg, e); }
    }, t('admin.group.create')));
  }

  async function load() {
    try {
      [groups, users, sites] = await Promise.all([api('/api/groups?include_inactive=true'), api('/api/users'), api('/api/sites')]);
    } catch (e) { A.showError(ui.msg, e); return; }
    [groups, users, sites] = [groups, users, sites].map(A.ofChosenTown);
    list.replaceChildren(...(groups.length ? groups.map(groupCard) : [h('p', { class: 'muted' }, t('console.empty'))]));
    renderCreate();
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await load(); } } };
}
