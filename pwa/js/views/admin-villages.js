// Admin: the town's villages (村庄; the plan's town has 66) with their management district
// (管区), the villages CSV import, edit and deactivate. Each village's cadres (村干部) are
// accounts with the role 村干部 and the village (admin-users.js); the forms they hand in are
// read in the console (console-villages.js).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import * as A from './admin-common.js';
import { csvImport } from './admin-csv.js';

export function mount(root) {
  const ui = A.frame(root, 'villages');
  const list = h('div', { data: { villageList: '' } });
  let villages = [];

  const createForm = A.form('village', [
    h('div', { class: 'filter-grid' },
      A.field(t('admin.village.code'), A.input('code', { required: true, maxlength: '32' })),
      A.field(t('admin.village.name'), A.input('name', { required: true, maxlength: '200' })),
      A.field(t('admin.village.district'), A.input('district', { maxlength: '200' }))),
  ], async (v, el) => {
    try {
      const village = await api('/api/villages', { method: 'POST', body: { code: v.code, name: v.name, district: v.district || '' } });
      el.reset();
      A.showOk(ui.msg, t('admin.village.created', { name: village.name }));
      await load();
    } catch (e) { A.showError(ui.msg, e); }
  }, t('admin.village.create'));

  const importer = csvImport('villages', '/api/villages/import', ui.msg, async (res) => {
    A.showOk(ui.msg, t('admin.imported', { n: res.imported }));
    await load();
  });

  ui.body.append(list, h('h3', {}, t('admin.village.new')), createForm, h('h3', {}, t('admin.csv.villages')), importer);

  async function rename(v) {
    const district = window.prompt(t('admin.village.district_of', { name: v.name }), v.district || '');
    if (district === null) return;
    try { await api(`/api/villages/${v.id}`, { method: 'PATCH', body: { district } }); await load(); } catch (e) { A.showError(ui.msg, e); }
  }

  async function deactivate(v) {
    if (!window.confirm(t('admin.confirm_deactivate', { what: v.name }))) return;
    try { await api(`/api/villages/${v.id}/deactivate`, { method: 'POST' }); await load(); } catch (e) { A.showError(ui.msg, e); }
  }

  async function load() {
    try {
      villages = await api('/api/villages?include_inactive=true');
    } catch (e) { A.showError(ui.msg, e); return; }
    list.replaceChildren(A.table(t('admin.title.villages'), [
      t('admin.village.code'), t('admin.village.name'), t('admin.village.district'), t('admin.state'), '',
    ], villages.map((v) => ({
      attrs: { data: { village: String(v.id), active: String(v.active) } },
      cells: [v.code, v.name, v.district || '—', v.active ? t('admin.active') : t('admin.inactive'),
        v.active ? h('div', { class: 'row wrap' },
          h('button', { type: 'button', class: 'small', data: { action: 'edit-village' }, onclick: () => rename(v) }, t('admin.village.edit')),
          h('button', { type: 'button', class: 'small', data: { action: 'deactivate-village' }, onclick: () => deactivate(v) }, t('admin.deactivate'))) : ''],
    }))));
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await load(); } } };
}
