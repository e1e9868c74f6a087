// Service worker: a versioned precache of the whole app shell. Install succeeds only when
// every file is cached (cache.addAll is awaited); activate deletes older versions. Only the
// app's own files are answered from the cache: /api, /docs and every other path go to the
// network untouched. Records live in IndexedDB, which a new version never touches, so an
// update cannot drop or strand them.
// The server fills in the version when it serves this file (app/pwa_shell.py): a hash of
// this file and of every file in SHELL, so a changed shell file is always a new version.
const VERSION = 'patrol-shell-__SHELL_VERSION__';
const LAZY = 'patrol-lazy-jsqr-1.4.0'; // the QR decoder (npm jsqr), not part of the shell
const JSQR = '/node_modules/jsqr/dist/jsQR.js';

const SHELL = [
  '/',
  '/index.html',
  '/manifest.webmanifest',
  '/css/app.css',
  '/css/console.css',
  '/css/admin.css',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/js/app.js',
  '/js/api.js',
  '/js/auth.js',
  '/js/db.js',
  '/js/link.js',
  '/js/storage.js',
  '/js/model.js',
  '/js/outbox.js',
  '/js/photos.js',
  '/js/records-store.js',
  '/js/report-cache.js',
  '/js/scanner.js',
  '/js/session-store.js',
  '/js/store.js',
  '/js/sync.js',
  '/js/util.js',
  '/js/vocabulary.js',
  '/js/i18n/index.js',
  '/js/i18n/zh.js',
  '/js/i18n/en.js',
  '/js/views/common.js',
  '/js/views/login.js',
  '/js/views/home.js',
  '/js/views/patrol.js',
  '/js/views/hazard.js',
  '/js/views/gate.js',
  '/js/views/boarding.js',
  '/js/views/village.js',
  '/js/views/safety.js',
  '/js/views/police.js',
  '/js/views/duty.js',
  '/js/views/duty-plan.js',
  '/js/views/admin-police.js',
  '/js/views/leader.js',
  '/js/views/console-common.js',
  '/js/views/town-picker.js',
  '/js/views/console-coverage.js',
  '/js/views/console-logs.js',
  '/js/views/console-gate.js',
  '/js/views/console-checkpoints.js',
  '/js/views/console-rosters.js',
  '/js/views/console-hazards.js',
  '/js/views/console-visitors.js',
  '/js/views/console-boarding.js',
  '/js/views/console-notices.js',
  '/js/views/console-assessment.js',
  '/js/views/console-villages.js',
  '/js/views/console-drills.js',
  '/js/views/console-defences.js',
  '/js/views/console-police.js',
  '/js/views/console-duty.js',
  '/js/views/console-devices.js',
  '/js/views/console-report.js',
  '/js/views/roster-plan.js',
  '/js/views/admin-common.js',
  '/js/views/admin-csv.js',
  '/js/views/admin-sites.js',
  '/js/views/admin-sheet.js',
  '/js/views/admin-users.js',
  '/js/views/admin-groups.js',
  '/js/views/admin-villages.js',
  '/js/views/admin-defences.js',
  '/js/views/admin-audit.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    // cache: 'reload' so the new version never precaches stale copies from the HTTP cache.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    // Best effort: fetch the QR decoder too, so scanning works offline from day one. It is not
    // part of the shell: install never fails because of it.
    const lazy = await caches.open(LAZY);
    if (!(await lazy.match(JSQR))) await lazy.add(JSQR).catch(() => {});
  })());
  // No skipWaiting here: the page asks for it when no sync is running (see app.js).
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([VERSION, LAZY]);
    for (const key of await caches.keys()) if (!keep.has(key)) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

const SHELL_PATHS = new Set(SHELL);
const APP_PAGES = new Set(['/', '/index.html']); // the app is one page; screens are #/routes

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    if (!APP_PAGES.has(url.pathname)) return; // /docs, /api/..., /healthz: not the app
    // Opening the app gets the cached shell, online or not.
    event.respondWith((async () => {
      const cache = await caches.open(VERSION);
      return (await cache.match('/index.html')) || fetch(req);
    })());
    return;
  }
  if (url.pathname === JSQR) {
    event.respondWith((async () => {
      const cache = await caches.open(LAZY);
      const hit = await cache.match(req);
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok) await cache.put(req, res.clone());
      return res;
    })());
    return;
  }
  if (!SHELL_PATHS.has(url.pathname)) return; // /api and anything not in the shell: network only
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    return (await cache.match(req, { ignoreSearch: true })) || fetch(req);
  })());
});
