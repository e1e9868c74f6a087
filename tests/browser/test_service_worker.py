"""The service worker answers only the app's own page and files, and a phone with the previous
IndexedDB schema keeps where its pull stood when the app's new version opens it."""

# The schema as versions 1 to 3 of pwa/js/db.js left it, with a pull cursor in "meta".
SCHEMA_V3_WITH_A_CURSOR = """() => new Promise((resolve, reject) => {
  const r = indexedDB.open('patrol', 3);
  r.onupgradeneeded = () => {
    const db = r.result;
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('by_user_seq', ['user_id', 'seq']);
    outbox.createIndex('by_state', 'state');
    db.createObjectStore('records', { keyPath: 'key' }).createIndex('by_entity', 'entity');
    const photos = db.createObjectStore('photos', { keyPath: 'sha256' });
    photos.createIndex('by_user', 'user_id');
    photos.createIndex('by_pending', 'pending');
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('reports', { keyPath: 'key' });
  };
  r.onsuccess = () => {
    const db = r.result;
    const t = db.transaction(['meta', 'records'], 'readwrite');
    t.objectStore('meta').put({ key: 'cursor', value: 'cursor-before-the-update' });
    t.objectStore('records').put({ key: 'hazard:h1', entity: 'hazard', id: 'h1', site_id: 1,
      version: 7, data: { id: 'h1', site_id: 1, status: 'reported' } });
    t.oncomplete = () => { db.close(); resolve(); };
    t.onerror = () => reject(t.error);
  };
  r.onerror = () => reject(r.error);
})"""

AFTER_THE_UPGRADE = """async () => {
  const records = await import('/js/records-store.js');
  const { tx, req, DB_VERSION } = await import('/js/db.js');
  const inMeta = await tx('meta', 'readonly', (s) => req(s.meta.get('cursor')));
  return { version: DB_VERSION, cursor: await records.cursor(), inMeta: inMeta || null,
           hazards: await records.ofEntity('hazard') };
}"""


def test_once_the_app_was_opened_other_pages_of_the_server_are_not_answered_with_it(phone):
    page = phone.open()
    phone.login("member_a1")
    app = page.goto(f"{phone.base}/")
    assert app.from_service_worker
    for path in ("/docs", "/healthz", "/api/sync/pull"):
        res = page.goto(f"{phone.base}{path}", wait_until="commit")
        assert not res.from_service_worker, path
        if path == "/docs":
            assert "swagger-ui" in res.text()
        elif path == "/healthz":
            assert res.json() == {"status": "ok"}
        else:
            assert res.status == 401  # a navigation carries no token: the server says so


def test_the_pull_cursor_survives_the_schema_upgrade_with_the_records(phone):
    page = phone.open()
    page.goto(f"{phone.base}/healthz")  # the origin, before the app ever ran on this phone
    page.evaluate(SCHEMA_V3_WITH_A_CURSOR)
    phone.goto()  # the app opens the database at its own version: the ladder's next steps run
    after = page.evaluate(AFTER_THE_UPGRADE)
    assert after["version"] == 4
    assert after["cursor"] == "cursor-before-the-update"
    assert after["inMeta"] is None
    assert after["hazards"] == [{"id": "h1", "site_id": 1, "status": "reported"}]
