// Boot: open the database, restore the session (offline too), register the service worker,
// start the sync triggers, route between screens and keep the status bar current.
import { store } from './store.js';
import { openDb } from './db.js';
import { restore, logout } from './auth.js';
import { syncNow, startSyncTriggers, refreshCounts, currentSync, linkSizes } from './sync.js';
import { startStorageWatch, downloadExport } from './storage.js';
import { t, getLang, setLang, loadLang } from './i18n/index.js';
import { h, shortTime } from './util.js';

const VIEWS = {
  login: () => import('./views/login.js'),
  home: () => import('./views/home.js'),
  patrol: () => import('./views/patrol.js'),
  hazard: () => import('./views/hazard.js'),
  gate: () => import('./views/gate.js'),
  boarding: () => import('./views/boarding.js'),
  village: () => import('./views/village.js'),
  safety: () => import('./views/safety.js'), // drills and technical defences
  police: () => import('./views/police.js'), // 护学岗 (issue 19)
  duty: () => import('./views/duty.js'), // 领导值班 (issue 19)
  leader: () => import('./views/leader.js'),
  // Supervisor console (督查): supervisors and admins see every site, leaders their groups'.
  'console-coverage': () => import('./views/console-coverage.js'),
  'console-logs': () => import('./views/console-logs.js'),
  'console-gate': () => import('./views/console-gate.js'),
  'console-checkpoints': () => import('./views/console-checkpoints.js'),
  'console-rosters': () => import('./views/console-rosters.js'),
  'console-hazards': () => import('./views/console-hazards.js'),
  'console-visitors': () => import('./views/console-visitors.js'),
  'console-boarding': () => import('./views/console-boarding.js'),
  'console-notices': () => import('./views/console-notices.js'),
  'console-assessment': () => import('./views/console-assessment.js'),
  'console-villages': () => import('./views/console-villages.js'),
  'console-drills': () => import('./views/console-drills.js'),
  'console-defences': () => import('./views/console-defences.js'),
  'console-police': () => import('./views/console-police.js'),
  'console-duty': () => import('./views/console-duty.js'),
  'console-devices': () => import('./views/console-devices.js'),
  'console-report': () => import('./views/console-report.js'),
  // Leaders plan the week's roster; admins set up the town (admin-*.js).
  'roster-plan': () => import('./views/roster-plan.js'),
  'admin-sites': () => import('./views/admin-sites.js'),
  'admin-users': () => import('./views/admin-users.js'),
  'admin-groups': () => import('./views/admin-groups.js'),
  'admin-villages': () => import('./views/admin-villages.js'),
  'admin-defences': () => import('./views/admin-defences.js'), // technical defences, intervals
  'admin-audit': () => import('./views/admin-audit.js'),
  'admin-sheet': () => import('./views/admin-sheet.js'),
  'admin-police': () => import('./views/admin-police.js'), // 护学岗 (issue 19)
  'duty-plan': () => import('./views/duty-plan.js'), // 领导值班排班 (issue 19)
};
const ADMIN_TAB = 'admin-sites'; // where the bottom tab "管理" opens the admin screens
const CONSOLE_TAB = 'console-coverage'; // where the bottom tab "督查" opens the console

function canUseConsole() {
  return store.hasRole('supervisor') || store.hasRole('admin') || store.hasRole('leader');
}

// The four-in-one office (四位一体办) reads the villages' forms and tracks their disputes.
function isFourInOne() {
  return store.hasRole('department') && store.user && store.user.department === 'four_in_one';
}

const main = document.querySelector('[data-main]');
const nav = document.querySelector('[data-nav]');
const statusEl = document.querySelector('[data-status]');
const updateEl = document.querySelector('[data-update]');
let current = null; // {name, view}
let routing = Promise.resolve();

function tabsFor() {
  const tabs = ['home'];
  if (store.hasRole('member') || store.hasRole('leader')) tabs.push('patrol');
  if (['member', 'leader', 'gate', 'supervisor', 'admin'].some((r) => store.hasRole(r))) tabs.push('hazard');
  if (store.hasRole('gate') || store.hasRole('member')) tabs.push('gate');
  if (store.hasRole('school_staff')) tabs.push('boarding');
  if (store.hasRole('village')) tabs.push('village');
  if (isFourInOne() && !canUseConsole()) tabs.push('console-villages');
  if (store.hasRole('school_staff')) tabs.push('safety'); // drills and technical defences
  // police at the gate and leadership duty (issue 19)
  if (store.hasRole('department') || store.hasRole('gate')) tabs.push('police');
  if (store.hasRole('school_staff')) tabs.push('duty');
  if (store.hasRole('leader')) tabs.push('leader');
  if (canUseConsole()) tabs.push(CONSOLE_TAB);
  if (store.hasRole('admin')) tabs.push(ADMIN_TAB);
  return tabs;
}

function allowed(name) {
  if (name === 'console-villages') return canUseConsole() || isFourInOne();
  if (name.startsWith('console-')) return canUseConsole();
  if (name === 'admin-audit') return store.hasRole('admin') || store.hasRole('supervisor');
  if (name.startsWith('admin-')) return store.hasRole('admin');
  if (name === 'roster-plan') return store.hasRole('leader');
  if (name === 'duty-plan') return store.hasRole('school_staff') || store.hasRole('admin');
  return tabsFor().includes(name);
}

function routeName() {
  const name = (location.hash.replace(/^#\/?/, '') || 'home').split('?')[0];
  if (!store.get('session') || store.get('needsLogin')) return 'login';
  if (name === 'login') return 'home';
  return VIEWS[name] && allowed(name) ? name : 'home';
}

async function route() {
  const name = routeName();
  if (current && current.name === name) return;
  if (current && current.view.unmount) current.view.unmount();
  const mod = await VIEWS[name]();
  main.replaceChildren();
  const view = mod.mount(main) || {};
  current = { name, view };
  document.body.dataset.view = name;
  renderNav();
  if (view.update) await view.update();
}

function go() { routing = routing.then(route).catch((e) => console.error(e)); return routing; }

function renderNav() {
  const name = current ? current.name : '';
  nav.hidden = name === 'login' || !store.get('session');
  const active = (tab) => tab === name || (tab === CONSOLE_TAB && name.startsWith('console-'))
    || (tab === ADMIN_TAB && name.startsWith('admin-')) || (tab === 'leader' && name === 'roster-plan');
  nav.replaceChildren(...tabsFor().map((tab) => h('a', {
    href: `#/${tab}`, class: active(tab) ? 'active' : '', 'aria-current': active(tab) ? 'page' : null, data: { tab },
  }, t(`nav.${tab}`))));
}

const kb = (n) => Math.round(n / 1024);

/** While a sync runs: the records still to push and the photo bytes sent of all to send. */
function progressParts(p) {
  if (!p) return [];
  const out = [];
  if (p.recordsLeft) out.push(h('span', { class: 'muted', data: { recordsLeft: String(p.recordsLeft) } }, t('status.records_left', { n: p.recordsLeft })));
  if (p.photoBytesTotal) {
    const bar = h('span');
    bar.style.width = `${Math.round((100 * p.photoBytesSent) / p.photoBytesTotal)}%`;
    out.push(h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': String(p.photoBytesSent), 'aria-valuemax': String(p.photoBytesTotal) }, bar));
    out.push(h('span', { class: 'muted', data: { photoBytes: `${p.photoBytesSent}/${p.photoBytesTotal}` } },
      t('status.photo_bytes', { n: p.photosLeft, sent: kb(p.photoBytesSent), total: kb(p.photoBytesTotal) })));
  }
  return out;
}

function renderStatus() {
  const s = store.state;
  statusEl.hidden = !s.session;
  if (!s.session) return;
  const online = s.online;
  const parts = [
    h('span', { data: { online: String(online) } }, h('span', { class: `dot ${online ? 'on' : 'off'}` }), t(online ? 'status.online' : 'status.offline')),
    h('span', { class: `pill ${s.pending ? 'warn' : ''}`, data: { pending: String(s.pending) } },
      s.pending ? t('status.pending', { n: s.pending }) : t('status.pending_none')),
    s.photosPending ? h('span', { class: 'pill', data: { photosPending: String(s.photosPending) } }, t('status.photos', { n: s.photosPending })) : null,
    s.attention ? h('a', { class: 'pill attn', href: '#/home', data: { attention: String(s.attention) } }, t('status.attention', { n: s.attention })) : null,
    h('span', { class: 'muted', data: { lastSync: s.lastSyncAt || '' } },
      s.syncing ? t('status.syncing') : (s.lastSyncAt ? t('status.last_sync', { t: shortTime(s.lastSyncAt) }) : t('status.never'))),
    h('button', { type: 'button', class: 'small sync', data: { action: 'sync' }, disabled: s.syncing,
      onclick: () => { syncNow(); } }, t('sync.now')),
  ];
  parts.push(...progressParts(s.progress));
  if (s.needsLogin) parts.push(h('span', { class: 'err' }, t('status.needs_login')));
  else if (s.lastError && !s.syncing) parts.push(h('span', { class: 'err', data: { syncError: '' } }, t('status.error', { msg: s.lastError })));
  if (s.pendingOthers) parts.push(h('span', { class: 'err' }, t('status.others', { n: s.pendingOthers })));
  parts.push(...storageParts(s));
  statusEl.replaceChildren(...parts.filter(Boolean));
}

const mb = (n) => (n / (1024 * 1024)).toFixed(1);

/** Whether the browser keeps the phone's storage, how full it is, a save that failed, and
 * the export of pending records for a phone that cannot sync. */
function storageParts(s) {
  const out = [];
  if (s.storagePersisted != null) {
    // A short pill that fits a 360 px status bar; the reason is its title.
    out.push(h('span', {
      class: `pill ${s.storagePersisted ? '' : 'warn'}`,
      data: { persisted: String(s.storagePersisted) },
      title: s.storagePersisted ? '' : t('storage.not_persisted_why'),
    }, t(s.storagePersisted ? 'storage.persisted' : 'storage.not_persisted')));
  }
  if (s.storage && s.storage.nearFull) {
    out.push(h('span', { class: 'err', data: { storageNearFull: '' } },
      t('storage.near_full', { used: mb(s.storage.usage), quota: mb(s.storage.quota) })));
  }
  if (s.saveError) {
    out.push(h('span', { class: 'err', role: 'alert', data: { saveError: s.saveError } },
      s.saveError === 'quota' ? t('storage.save_quota') : t('storage.save_failed', { msg: s.saveError })));
  }
  if (s.storageLost) out.push(h('span', { class: 'err', role: 'alert', data: { storageLost: '' } }, t('storage.lost')));
  if (s.pending) {
    out.push(h('button', { type: 'button', class: 'small', data: { action: 'export-outbox' }, onclick: async () => {
      try {
        const done = await downloadExport();
        store.set({ exported: done });
      } catch (e) {
        store.set({ exported: { error: e.message || String(e) } });
      }
    } }, t('storage.export')));
  }
  if (s.exported) {
    out.push(h('span', { class: 'muted', data: { exported: s.exported.name || '' } }, s.exported.error
      ? t('storage.export_failed', { msg: s.exported.error })
      : t('storage.exported', { name: s.exported.name, n: s.exported.records, p: s.exported.photos, kb: Math.round(s.exported.size / 1024) })));
  }
  return out;
}

function renderChrome() {
  document.title = t('app.title');
  document.querySelector('[data-i18n="app.title"]').textContent = t('app.title');
  document.querySelector('[data-action="lang"]').textContent = t('lang.switch');
  statusEl.setAttribute('aria-label', t('status.label'));
  nav.setAttribute('aria-label', t('nav.label'));
  renderStatus();
  renderNav();
}

// --- service worker: precached shell, updates only when it is safe ---------------------
let reloading = false;
function showUpdate(worker) {
  store.set({ updateReady: true });
  updateEl.hidden = false;
  updateEl.replaceChildren(
    h('span', {}, t('update.ready')),
    h('button', { type: 'button', class: 'small', data: { action: 'update' }, onclick: async () => {
      await currentSync({ hurry: true }); // never swap versions in the middle of a push
      reloading = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    } }, t('update.apply')));
}

async function registerSw() {
  if (!('serviceWorker' in navigator)) return;
  try {
    const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    if (reg.waiting && navigator.serviceWorker.controller) showUpdate(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const w = reg.installing;
      if (!w) return;
      w.addEventListener('statechange', () => {
        if (w.state === 'installed' && navigator.serviceWorker.controller) showUpdate(w);
      });
    });
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloading) location.reload(); // records live in IndexedDB: a reload is safe
    });
    if (navigator.onLine) reg.update().catch(() => {});
  } catch (e) {
    console.warn('service worker not registered', e);
  }
}

let recounting = null;
function recount() { // one recount per burst of changes
  if (!recounting) recounting = Promise.resolve().then(refreshCounts).finally(() => { recounting = null; });
}

async function boot() {
  const strings = loadLang(getLang()); // the English strings are only loaded when English is on
  await openDb();
  await restore();
  if (await strings) setLang(getLang()); // else t() falls back to Chinese, the choice is kept
  store.addEventListener('change', (ev) => {
    const keys = ev.detail;
    if (keys.includes('session') || keys.includes('needsLogin')) { go(); }
    if (keys.includes('revision')) recount();
    renderStatus();
    if (current && current.view.update && (keys.includes('revision') || keys.includes('bootstrap'))) current.view.update();
  });
  document.querySelector('[data-action="lang"]').addEventListener('click', async () => {
    const next = getLang() === 'zh' ? 'en' : 'zh';
    if (!(await loadLang(next))) return;
    setLang(next);
    renderChrome();
    const name = current && current.name;
    current = null;
    if (name) go();
  });
  window.addEventListener('hashchange', go);
  renderChrome();
  // The status bar's counts are read while the first screen is built, not after it.
  const counted = store.get('session') ? refreshCounts() : null;
  await go();
  registerSw();
  startStorageWatch();
  startSyncTriggers();
  if (counted) {
    await counted;
    syncNow();
  }
  document.body.dataset.ready = '1';
}

// For the browser tests and the benchmark: wait for a sync, read the status.
window.patrolApp = { store, syncNow, currentSync, logout, linkSizes };

boot().catch((e) => {
  console.error(e);
  main.replaceChildren(h('p', { class: 'msg bad' }, String(e && e.message ? e.message : e)));
});
