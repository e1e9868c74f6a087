// The CSV import as a file upload (README "CSV import"): the server checks every line first and
// imports nothing when one is wrong, answering one problem per line; those are shown as a list.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { apiFetch } from '../api.js';
import * as A from './admin-common.js';

// The columns each import reads (README "CSV import"); shown as codes, they are not translated.
const COLUMNS = {
  sites: 'name, kind, address, lat, lon, timezone, required_patrol_staff, required_gate_staff, arrival, dismissal',
  users: 'username, display_name, password, roles, phone, home_site',
  villages: 'code, name, district',
};

/** A card with a file chooser and an upload button for path; onDone gets the server's answer. */
export function csvImport(kind, path, msg, onDone) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true, data: { csvFile: kind } });
  return A.form(`import-${kind}`, [
    h('p', { class: 'muted' }, t(`admin.csv.${kind}_hint`), ' ', h('code', { translate: 'no' }, COLUMNS[kind])),
    A.field(t('admin.csv.file'), file),
  ], async (_v, el) => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    const body = new FormData();
    body.append('file', chosen, chosen.name);
    try {
      const res = await apiFetch(path, { method: 'POST', body, json: false });
      el.reset();
      await onDone(await res.json());
    } catch (e) { A.showError(msg, e); }
  }, t('admin.csv.upload'));
}
