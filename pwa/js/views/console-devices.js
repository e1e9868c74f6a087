// Console: device health. Per phone: last sync, how many records were still waiting on it at
// that sync (the outbox depth it reported), and the clock offsets seen (skew over 5 min in red).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';

const SKEW_S = 300; // the server flags records from a phone more than 5 minutes off

function seconds(s) {
  if (s === null || s === undefined) return '—';
  return h('span', { class: Math.abs(s) > SKEW_S ? 'skew' : '' }, t('dev.seconds', { s: Math.round(s) }));
}

// A phone that never pushed but logs in and reads (a supervisor's browser) is not a phone
// that never synced: it shows when it was last seen instead of the red warning.
function lastSync(d) {
  if (d.last_sync_at) return C.fmtDateTime(d.last_sync_at);
  if (d.last_seen_at) {
    return h('span', { class: 'muted', data: { readsOnly: '1' } }, t('dev.reads_only', { t: C.fmtDateTime(d.last_seen_at) }));
  }
  return h('span', { class: 'bad-text' }, t('dev.never'));
}

export function mount(root) {
  let loaded = false;
  const ui = C.frame(root, 'devices', {
    csv: (fmt) => C.downloadCsv('/api/reports/devices', 'devices', fmt),
    onSubmit: () => load(),
  });

  function render(rows) {
    ui.body.replaceChildren(
      h('p', { class: 'muted' }, t('dev.skew_note')),
      rows.length ? C.table(
        [t('dev.label'), t('dev.user'), t('dev.last_sync'), t('dev.pending'), t('dev.offset'), t('dev.max_offset')],
        rows.map((d) => ({
          attrs: { class: d.revoked || (d.max_abs_clock_offset_s || 0) > SKEW_S ? 'bad' : '', data: { device: d.id } },
          cells: [
            h('span', {}, d.label || d.id, d.revoked ? h('span', { class: 'badge rejected' }, t('dev.revoked')) : null),
            d.user_name,
            lastSync(d),
            h('span', { data: { outboxDepth: String(d.last_outbox_depth ?? '') } }, d.last_outbox_depth ?? '—'),
            seconds(d.last_clock_offset_s),
            seconds(d.max_abs_clock_offset_s),
          ],
        }))) : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    ui.msg.replaceChildren(h('p', { class: 'muted' }, t('console.loading')));
    try {
      const res = await C.loadReport('devices', '/api/reports/devices');
      C.showFreshness(ui.fresh, res);
      ui.msg.replaceChildren();
      render(res.data);
    } catch (e) {
      ui.msg.replaceChildren(h('p', { class: 'msg bad' }, C.errorText(e)));
    }
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
