// Console: device health. Per phone (its user's name and its label, never its raw id): last
// sync, how many records were still waiting on it at that sync (the outbox depth it reported),
// and the clock offsets seen, as a human duration (skew over 5 min in red). One card a phone,
// so it reads on a 390 px screen.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';

const SKEW_S = 300; // the server flags records from a phone more than 5 minutes off

// The app names a phone by its browser's user agent at login; a person reads the system, the
// model and the browser, not the whole string ("Android 13 · Pixel 7 · Chrome").
export function deviceName(label) {
  if (!label || !label.startsWith('Mozilla/')) return label;
  const inner = (/\(([^)]*)\)/.exec(label) || [])[1] || '';
  const parts = inner.split(';').map((x) => x.trim()).filter((x) => x && !/^(Linux|U|K|wv|x64|Win64|WOW64|rv:.*)$/.test(x));
  const browser = (/(Edg|MicroMessenger|Firefox|Chrome|Version(?=\/.*Safari))\//.exec(label) || [])[1];
  const name = { Edg: 'Edge', MicroMessenger: '微信', Version: 'Safari' }[browser] || browser;
  return [...parts.slice(0, 2), name].filter(Boolean).join(' · ') || label;
}

// The offset is the server's time minus the phone's: negative when the phone runs fast.
function offset(s, { signed = true } = {}) {
  if (s === null || s === undefined) return '—';
  const d = C.duration(s);
  const text = !signed || Math.round(s) === 0 ? d : t(s < 0 ? 'dev.ahead' : 'dev.behind', { d });
  return h('span', { class: Math.abs(s) > SKEW_S ? 'skew' : '', data: { offsetS: String(Math.round(s)) } }, text);
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
    C.fill(ui.body,
      h('p', { class: 'muted' }, t('dev.skew_note')),
      rows.length ? h('ul', { class: 'list device-list', data: { devices: '' } }, rows.map((d) => h('li', {
        class: `device ${d.revoked || (d.max_abs_clock_offset_s || 0) > SKEW_S ? 'bad' : ''}`, data: { device: d.id },
      },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title', data: { deviceName: '' } }, d.user_name,
          d.revoked ? h('span', { class: 'badge rejected' }, t('dev.revoked')) : null),
        h('span', { class: 'rec-time' }, lastSync(d))),
      // A phone's own name (its system and browser) is a name, not text to translate.
      d.label
        ? h('div', { class: 'rec-body muted', translate: 'no', data: { deviceLabel: '' } }, deviceName(d.label))
        : h('div', { class: 'rec-body muted', data: { deviceLabel: '' } }, t('dev.unnamed', { tail: String(d.id).slice(-4) })),
      h('dl', { class: 'times' },
        h('dt', {}, t('dev.pending')), h('dd', { data: { outboxDepth: String(d.last_outbox_depth ?? '') } }, d.last_outbox_depth ?? '—'),
        h('dt', {}, t('dev.offset')), h('dd', {}, offset(d.last_clock_offset_s)),
        h('dt', {}, t('dev.max_offset')), h('dd', {}, offset(d.max_abs_clock_offset_s, { signed: false })))))) : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'devices', '/api/reports/devices', render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
