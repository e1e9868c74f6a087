// Admin: technical defences (技防) and the town's intervals: each site's video surveillance
// cameras and intrusion alarms (视频监控、入侵报警) at its key spots, and how often a drill, a
// lesson and a device check are due (app/drills, app/defences). Online only, audited.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import * as vocab from '../vocabulary.js';
import { selectOf } from './common.js';
import * as A from './admin-common.js';

export function mount(root) {
  const ui = A.frame(root, 'defences');
  let sites = [];
  let siteId = '';
  const siteBox = h('div');
  const list = h('div', { data: { deviceList: '' } });
  const createBox = h('div');
  const settingsBox = h('div', { data: { intervals: '' } });
  ui.body.append(h('h3', {}, t('adf.intervals')), settingsBox, h('h3', {}, t('adf.devices')), siteBox, list,
    h('h3', {}, t('adf.new')), createBox);

  async function call(path, opts, ok) {
    try { await api(path, opts); if (ok) A.showOk(ui.msg, ok); await load(); return true; } catch (e) { A.showError(ui.msg, e); return false; }
  }

  async function renderSettings() {
    const [drills, defences] = await Promise.all([api('/api/drills/settings'), api('/api/defences/settings')]);
    const n = (name, value) => A.input(name, { type: 'number', min: '1', max: '366', value: String(value), required: true });
    settingsBox.replaceChildren(
      A.form('drill-settings', [h('div', { class: 'filter-grid' },
        A.field(t('adf.drill_every'), n('drill_every_days', drills.drill_every_days)),
        A.field(t('adf.lesson_every'), n('lesson_every_days', drills.lesson_every_days)))],
      (v) => call('/api/drills/settings', { method: 'PUT', body: { drill_every_days: A.num(v.drill_every_days), lesson_every_days: A.num(v.lesson_every_days) } }, t('adf.saved'))
        .then((ok) => ok && renderSettings())),
      A.form('defence-settings', [A.field(t('adf.check_every'), n('check_every_days', defences.check_every_days))],
        (v) => call('/api/defences/settings', { method: 'PUT', body: { check_every_days: A.num(v.check_every_days) } }, t('adf.saved'))
          .then((ok) => ok && renderSettings())));
  }

  function deviceRow(d) {
    const name = A.input('name', { value: d.name, maxlength: '100', 'aria-label': t('dfc.name') });
    const spot = A.input('location', { value: d.location, maxlength: '200', 'aria-label': t('dfc.location') });
    return {
      attrs: { data: { device: String(d.id) } },
      cells: [vocab.label('device_kind', d.kind), name, spot, d.active ? t('admin.active') : t('admin.inactive'),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'small', data: { action: 'save-device' }, onclick: () => call(`/api/defences/devices/${d.id}`, {
            method: 'PATCH', body: { name: name.value.trim(), location: spot.value.trim() } }, t('adf.saved')) }, t('common.save')),
          h('button', { type: 'button', class: 'small', data: { action: d.active ? 'deactivate-device' : 'activate-device' }, onclick: () => call(`/api/defences/devices/${d.id}`, {
            method: 'PATCH', body: { active: !d.active } }) }, d.active ? t('admin.deactivate') : t('adf.activate')))],
    };
  }

  function renderCreate() {
    createBox.replaceChildren(A.form('device', [h('div', { class: 'filter-grid' },
      A.field(t('dfc.kind'), selectOf('kind', vocab.options('device_kind'), 'camera')),
      A.field(t('dfc.name'), A.input('name', { maxlength: '100', required: true, placeholder: t('adf.name_hint') })),
      A.field(t('dfc.location'), A.input('location', { maxlength: '200', placeholder: t('adf.location_hint') })))],
    (v, form) => call('/api/defences/devices', { method: 'POST', body: { site_id: Number(siteId), kind: v.kind, name: v.name, location: v.location || '' } }, t('adf.saved'))
      .then((ok) => { if (ok) form.reset(); }), t('admin.add')));
  }

  // The device list of the chosen site; the forms stay as they are (what is typed is kept).
  async function load() {
    try {
      const devices = siteId ? await api(`/api/defences/devices?site_id=${siteId}&include_inactive=true`) : [];
      list.replaceChildren(devices.length
        ? A.table(t('adf.devices'), [t('dfc.kind'), t('dfc.name'), t('dfc.location'), t('adf.state'), ''], devices.map(deviceRow))
        : h('p', { class: 'muted' }, t('adf.none')));
    } catch (e) {
      A.showError(ui.msg, e);
    }
  }

  async function first() {
    try {
      sites = await api('/api/sites');
      if (sites.length) siteId = String(sites[0].id);
      const sel = selectOf('site_id', sites.map((s) => [s.id, s.name]), siteId);
      sel.addEventListener('change', () => { siteId = sel.value; load(); });
      siteBox.replaceChildren(A.field(t('common.site'), sel));
      renderCreate();
      await Promise.all([load(), renderSettings()]);
    } catch (e) {
      A.showError(ui.msg, e);
    }
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await first(); } } };
}
