// Admin: sites (学校 / 幼儿园 / 重点场所), their gate windows (上学 / 放学) and checkpoints, the
// sites CSV import, and the way to each site's printable QR sheet (admin-sheet.js).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import { store } from '../store.js';
import * as vocab from '../vocabulary.js';
import { selectOf } from './common.js';
import * as A from './admin-common.js';
import { csvImport } from './admin-csv.js';

export function mount(root) {
  const ui = A.frame(root, 'sites', { onTown: () => load() });
  const list = h('div', { data: { siteList: '' } });
  const detail = h('section', { data: { siteDetail: '' } });
  let sites = [];
  let selected = null; // site id

  const createForm = A.form('site', [
    h('div', { class: 'filter-grid' },
      A.field(t('admin.site.name'), A.input('name', { required: true, maxlength: '200' })),
      A.field(t('admin.site.kind'), selectOf('kind', vocab.options('site_kind'), 'school')),
      A.field(t('admin.site.address'), A.input('address', { maxlength: '500' })),
      A.field(t('admin.site.lat'), A.input('lat', { inputmode: 'decimal' })),
      A.field(t('admin.site.lon'), A.input('lon', { inputmode: 'decimal' })),
      A.field(t('admin.site.patrol_staff'), h('input', { type: 'number', name: 'required_patrol_staff', min: '1', max: '100', value: '4' })),
      A.field(t('admin.site.gate_staff'), h('input', { type: 'number', name: 'required_gate_staff', min: '0', max: '100', value: '4' }))),
  ], async (v, el) => {
    try {
      const site = await api('/api/sites', { method: 'POST', body: {
        name: v.name, kind: v.kind, address: v.address || '', lat: A.num(v.lat), lon: A.num(v.lon),
        required_patrol_staff: A.num(v.required_patrol_staff), required_gate_staff: A.num(v.required_gate_staff),
        town_id: A.newTownId(),
      } });
      el.reset();
      A.showOk(ui.msg, t('admin.site.created', { name: site.name }));
      selected = site.id;
      await load();
    } catch (e) { A.showError(ui.msg, e); }
  }, t('admin.site.create'));

  const importer = csvImport('sites', '/api/sites/import', ui.msg, async (res) => {
    A.showOk(ui.msg, t('admin.imported', { n: res.imported }));
    await load();
  });

  // A county admin adds a town to her county (POST /api/towns, audited); the picker then lists it.
  const townForm = store.user && store.user.county_wide && store.hasRole('admin') ? A.form('town', [
    h('div', { class: 'filter-grid' },
      A.field(t('admin.town.code'), A.input('code', { required: true, minlength: '2', maxlength: '32', pattern: '[a-z0-9][a-z0-9_\\-]*', autocapitalize: 'none' }), t('admin.town.code_hint')),
      A.field(t('admin.town.name'), A.input('name', { required: true, maxlength: '200' })))],
  async (v, el) => {
    try {
      const town = await api('/api/towns', { method: 'POST', body: { code: v.code, name: v.name } });
      el.reset();
      A.showOk(ui.msg, t('admin.town.created', { name: town.name }));
    } catch (e) { A.showError(ui.msg, e); }
  }, t('admin.town.create')) : null;

  ui.body.append(list, detail, h('h3', {}, t('admin.site.new')), createForm, h('h3', {}, t('admin.csv.sites')), importer,
    townForm ? h('h3', {}, t('admin.town.title')) : '', townForm || '');

  async function load() {
    try {
      sites = A.ofChosenTown(await api('/api/sites?include_inactive=true'));
    } catch (e) { A.showError(ui.msg, e); return; }
    list.replaceChildren(A.table(t('admin.title.sites'), [
      t('admin.site.name'), t('admin.site.kind'), t('admin.site.address'), t('admin.site.staff'), t('admin.state'), '',
    ], sites.map((s) => ({
      attrs: { data: { site: String(s.id), active: String(s.active) } },
      cells: [s.name, vocab.label('site_kind', s.kind), s.address || '—',
        t('admin.site.staff_of', { p: s.required_patrol_staff, g: s.required_gate_staff }),
        s.active ? t('admin.active') : t('admin.inactive'),
        h('button', { type: 'button', class: 'small', data: { action: 'open-site' }, 'aria-label': t('admin.site.open_named', { name: s.name }),
          onclick: () => { selected = s.id; renderDetail(); } }, t('admin.site.open'))],
    }))));
    await renderDetail();
  }

  async function renderDetail() {
    const site = sites.find((s) => s.id === selected);
    if (!site) { detail.replaceChildren(); return; }
    let windows; let cps;
    try {
      [windows, cps] = await Promise.all([
        api(`/api/sites/${site.id}/gate-windows?include_inactive=true`),
        api(`/api/sites/${site.id}/checkpoints?include_inactive=true`),
      ]);
    } catch (e) { A.showError(ui.msg, e); return; }
    const deactivate = (path, what) => async () => {
      if (!window.confirm(t('admin.confirm_deactivate', { what }))) return;
      try { await api(path, { method: 'POST' }); await load(); } catch (e) { A.showError(ui.msg, e); }
    };
    const windowForm = A.form('window', [h('div', { class: 'filter-grid' },
      A.field(t('admin.window.name'), A.input('name', { required: true, maxlength: '100', placeholder: t('admin.window.name_hint') })),
      A.field(t('admin.window.kind'), selectOf('kind', vocab.options('window_kind'), 'arrival')),
      A.field(t('admin.window.starts'), h('input', { type: 'time', name: 'starts', required: true })),
      A.field(t('admin.window.ends'), h('input', { type: 'time', name: 'ends', required: true })))],
    async (v, el) => {
      try {
        await api(`/api/sites/${site.id}/gate-windows`, { method: 'POST', body: v });
        el.reset();
        A.showOk(ui.msg, t('admin.window.created', { name: v.name }));
        await renderDetail();
      } catch (e) { A.showError(ui.msg, e); }
    }, t('admin.window.create'));
    const cpForm = A.form('checkpoint', [h('div', { class: 'filter-grid' },
      A.field(t('admin.cp.name'), A.input('name', { required: true, maxlength: '200' })),
      A.field(t('admin.cp.code'), A.input('code', { required: true, minlength: '3', maxlength: '64', pattern: '[A-Za-z0-9._\\-]+', autocapitalize: 'characters' }), t('admin.cp.code_hint')),
      A.field(t('admin.site.lat'), A.input('lat', { inputmode: 'decimal' })),
      A.field(t('admin.site.lon'), A.input('lon', { inputmode: 'decimal' })))],
    async (v, el) => {
      try {
        await api(`/api/sites/${site.id}/checkpoints`, { method: 'POST', body: { name: v.name, code: v.code, lat: A.num(v.lat), lon: A.num(v.lon) } });
        el.reset();
        A.showOk(ui.msg, t('admin.cp.created', { code: v.code }));
        await renderDetail();
      } catch (e) { A.showError(ui.msg, e); }
    }, t('admin.cp.create'));
    detail.replaceChildren(h('div', { class: 'card', data: { siteId: String(site.id) } },
      h('div', { class: 'rec-head' }, h('h3', { class: 'rec-title' }, site.name),
        h('a', { class: 'btn', href: `#/admin-sheet?site=${site.id}`, data: { action: 'qr-sheet' } }, t('admin.cp.sheet'))),
      site.active ? h('button', { type: 'button', class: 'small', data: { action: 'deactivate-site' },
        onclick: deactivate(`/api/sites/${site.id}/deactivate`, site.name) }, t('admin.deactivate')) : null,
      h('h3', {}, t('admin.window.title')),
      A.table(t('admin.window.title'), [t('admin.window.name'), t('admin.window.kind'), t('admin.window.time'), t('admin.state'), ''],
        windows.map((w) => ({ attrs: { data: { window: String(w.id) } }, cells: [w.name, vocab.label('window_kind', w.kind),
          `${String(w.starts).slice(0, 5)}–${String(w.ends).slice(0, 5)}`, w.active ? t('admin.active') : t('admin.inactive'),
          w.active ? h('button', { type: 'button', class: 'small', onclick: deactivate(`/api/sites/${site.id}/gate-windows/${w.id}/deactivate`, w.name) }, t('admin.deactivate')) : ''] }))),
      windowForm,
      h('h3', {}, t('admin.cp.title')),
      A.table(t('admin.cp.title'), [t('admin.cp.name'), t('admin.cp.code'), t('admin.cp.gps'), t('admin.state'), ''],
        cps.map((c) => ({ attrs: { data: { checkpoint: c.code } }, cells: [c.name, c.code,
          c.lat != null ? `${c.lat}, ${c.lon}` : '—', c.active ? t('admin.active') : t('admin.inactive'),
          c.active ? h('button', { type: 'button', class: 'small', onclick: deactivate(`/api/sites/${site.id}/checkpoints/${c.id}/deactivate`, c.name) }, t('admin.deactivate')) : ''] }))),
      cpForm));
  }

  let loaded = false;
  return {
    unmount: ui.unmount,
    async update() { if (!loaded) { loaded = true; await load(); } },
  };
}
