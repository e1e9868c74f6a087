"""Hostile and odd input: each gets a clear 4xx or a per-mutation rejection, and nothing is
stored half-way (the database and the upload directory are checked after each)."""

import io
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from app.config import get_settings
from app.hazards.models import Hazard
from app.photos.models import Photo
from app.sites.models import Site
from app.sync.models import Mutation, SyncChange
from tests.hardening_world import png_bytes, sha
from tests.sync_helpers import SHANGHAI, mut, pull_all, push, utc

MIB = 1024 * 1024


def _files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _stored(session) -> dict:
    """What the database and the upload directory hold: compared before and after."""
    session.rollback()
    count = lambda m: session.exec(select(func.count()).select_from(m)).one()  # noqa: E731
    return {
        "photos": count(Photo),
        "mutations": count(Mutation),
        "hazards": count(Hazard),
        "changes": count(SyncChange),
        "sites": count(Site),
        "files": _files(Path(get_settings().upload_dir)),
    }


def _error(res, status: int) -> dict:
    assert res.status_code == status, (res.status_code, res.text[:300])
    body = res.json()["error"]
    assert body["code"] and body["message"]
    return body


def _hazard(town, **payload) -> dict:
    base = {"site_id": town.sites["a"].id, "category": "fire", "description": "灭火器过期"}
    return mut("hazard.report", {**base, **payload})


def _push_raw(client, headers, body: dict):
    return client.post("/api/sync/push", json=body, headers=headers)


# --- size limits -------------------------------------------------------------------------


def test_oversize_bodies_get_413_naming_the_limit_and_store_nothing(client, town, login, session):
    headers = login("member_a1")
    before = _stored(session)
    limit = get_settings().max_body_bytes
    # declared length over the limit: refused before reading
    json_headers = {**headers, "content-type": "application/json"}
    res = client.post("/api/sync/push", content=b" " * (limit + 1), headers=json_headers)
    assert _error(res, 413)["details"]["limit_bytes"] == limit
    assert str(limit) in res.json()["error"]["message"]

    # no declared length (chunked): refused while streaming
    def stream():
        for _ in range(limit // MIB + 2):
            yield b" " * MIB

    res = client.post("/api/sync/push", content=stream(), headers=json_headers)
    assert _error(res, 413)["details"]["limit_bytes"] == limit
    # a valid push made of many mutations that is too big as a whole
    big = [_hazard(town, description="长" * 4000) for _ in range(800)]
    res = _push_raw(
        client, headers, {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": big}
    )
    _error(res, 413)
    # a photo over the photo limit, whole and declared in a resumable upload
    photo_limit = get_settings().max_photo_bytes
    data = b"\x89PNG" + os.urandom(photo_limit)
    res = client.put(f"/api/photos/{sha(data)}", content=data, headers=headers)
    _error(res, 413)
    res = client.patch(
        f"/api/photos/{sha(data)}",
        params={"offset": 0, "total": photo_limit + 1},
        content=data[:1000],
        headers=headers,
    )
    _error(res, 413)
    assert _stored(session) == before


# --- malformed and mistyped input --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[]",
        b'"a string"',
        b"null",
        b'{"sent_at": "2026-11-30T08:00:00+08:00", "mutations": [',
        b"\xff\xfe\x00{",
    ],
)
def test_malformed_bodies_get_a_clear_422(client, town, login, session, body):
    headers = {**login("admin"), "content-type": "application/json"}
    before = _stored(session)
    for url in ("/api/sync/push", "/api/auth/login", "/api/users"):
        res = client.post(url, content=body, headers=headers)
        assert res.status_code in (400, 422), (url, res.status_code, res.text)
        assert res.json()["error"]["message"]
    assert _stored(session) == before


def test_wrong_types_at_the_top_level_get_422(client, town, login, session):
    headers = login("member_a1")
    before = _stored(session)
    now = datetime.now(SHANGHAI).isoformat()
    for body in (
        {"sent_at": [2026, 11, 30], "mutations": []},
        {"sent_at": "yesterday", "mutations": []},
        {"sent_at": "2026-11-30T08:00:00", "mutations": []},  # no offset: ambiguous
        {"sent_at": now, "mutations": "all of them"},
        {"sent_at": now, "mutations": {"id": "x"}},
        {"sent_at": now, "mutations": [], "outbox_depth": -1},
        {"sent_at": now, "mutations": [], "outbox_depth": "many"},
        {"sent_at": now},
    ):
        res = _push_raw(client, headers, body)
        body_err = _error(res, 422)
        assert body_err["details"][0]["field"], body_err
    assert _stored(session) == before


def test_mistyped_mutations_are_rejected_one_by_one_and_the_good_ones_applied(
    client, town, login, session
):
    headers = login("member_a1")
    good = _hazard(town)
    bad = [
        {"id": 7, "type": "hazard.report", "occurred_at": "2026-11-30T08:00:00+08:00"},
        {**_hazard(town), "payload": "not an object"},
        {**_hazard(town), "occurred_at": "2026-11-30T08:00:00"},  # naive time
        _hazard(town, site_id="东风小学"),
        _hazard(town, site_id=None),
        _hazard(town, site_id=2**70),
        _hazard(town, site_id=-1),
        _hazard(town, category="ufo"),
        _hazard(town, severity=3),
        _hazard(town, description=["a", "list"]),
        _hazard(town, description=""),
        _hazard(town, within_300m="maybe"),
        _hazard(town, photos="deadbeef"),
        _hazard(town, photos=["not-a-sha"]),
        mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": [2**63, 2**80]}),
        mut("shift.start", {"site_id": town.sites["a"].id, "member_ids": "everyone"}),
        mut("shift.start", {"site_id": town.sites["a"].id, "group_id": 2**64}),
    ]
    results = push(client, headers, [*bad, good])
    statuses = [r["status"] for r in results]
    assert statuses == ["rejected"] * len(bad) + ["applied"], list(zip(statuses, bad, strict=True))
    assert all(r["message"] for r in results[:-1])
    session.rollback()
    assert session.exec(select(Hazard.id)).all() == [good["id"]]


# --- text ---------------------------------------------------------------------------------

ODD_TEXTS = [
    "校门口东侧50米处有非法摊点（烧烤），距学校约120米。",
    "🚒🔥 消防通道被占用 👩‍👧‍👦🏫 家长接送车辆",
    "ｆｕｌｌｗｉｄｔｈ　全角空格　and ascii",
    "\u202eRTL override\u202c 𠀋𡈽𡌛 (CJK Ext B)",
    "<script>alert('x')</script> & \"quotes\" ' -- ; DROP TABLE hazard;",
    "tabs\tand\nnewlines\r\nkept",
    "\U0010fffd private use, \ufeff BOM, \u200b zero width",
]


def test_chinese_emoji_and_markup_round_trip_exactly(client, town, login, session):
    headers = login("member_a1")
    muts = [_hazard(town, description=text) for text in ODD_TEXTS]
    visitor = mut(
        "visitor.enter",
        {
            "site_id": town.sites["a"].id,
            "name": "刘师傅 👷",
            "visiting": "食堂 王主任",
            "host_approved": True,
            "vehicle_plate": "鄂A·12345",
        },
    )
    gate = login("gate_a")
    assert [r["status"] for r in push(client, headers, muts)] == ["applied"] * len(muts)
    assert push(client, gate, [visitor])[0]["status"] == "applied"
    session.rollback()
    for m, text in zip(muts, ODD_TEXTS, strict=True):
        assert session.get(Hazard, m["id"]).description == text.strip()
    changes, _ = pull_all(client, login("supervisor"))
    pulled = {c["id"]: c["data"] for c in changes}
    for m, text in zip(muts, ODD_TEXTS, strict=True):
        assert pulled[m["id"]]["description"] == text.strip()
    assert pulled[visitor["id"]]["name"] == "刘师傅 👷"


def test_nul_bytes_are_refused_everywhere_never_stored(client, town, login, session):
    headers = login("member_a1")
    before = _stored(session)
    results = push(
        client,
        headers,
        [
            _hazard(town, description="电线\x00老化"),
            {**_hazard(town), "type": "hazard.report\x00"},
            mut(
                "shift.scan",
                {"shift_id": "00000000-0000-0000-0000-000000000000", "checkpoint_code": "A\x00"},
            ),
        ],
    )
    assert [r["status"] for r in results] == ["rejected"] * 3
    res = client.post(
        "/api/auth/login",
        json={"username": "member_a1", "password": "x", "device_id": "phone\x00\x00\x00\x00"},
    )
    assert res.status_code in (401, 422)
    res = client.post("/api/devices/abc%00def/revoke", headers=login("admin"))
    assert res.status_code in (404, 422)
    after = _stored(session)
    assert after["hazards"] == before["hazards"]
    assert after["photos"] == before["photos"]


def test_nul_bytes_in_admin_text_get_4xx(client, town, login, session):
    admin = login("admin")
    before = _stored(session)
    res = client.post("/api/sites", json={"name": "东风\x00小学"}, headers=admin)
    _error(res, 422)
    res = client.post(
        "/api/users",
        json={"username": "nul-user", "display_name": "张\x00三", "password": "long-enough-pw"},
        headers=admin,
    )
    _error(res, 422)
    assert _stored(session) == before


def test_very_long_strings_are_refused_with_the_field_named(client, town, login, session):
    headers, admin = login("member_a1"), login("admin")
    before = _stored(session)
    [r] = push(client, headers, [_hazard(town, description="长" * 4001)])
    assert r["status"] == "rejected" and "description" in r["message"]
    [r] = push(client, headers, [{**_hazard(town), "type": "t" * 10_000}])
    assert r["status"] == "rejected"
    [r] = push(client, headers, [{**_hazard(town), "id": "a" * 10_000}])
    assert r["status"] == "rejected"
    res = client.post("/api/sites", json={"name": "学" * 100_000}, headers=admin)
    assert _error(res, 422)["details"][0]["field"] == "name"
    res = client.post("/api/auth/login", json={"username": "u" * 100_000, "password": "x"})
    _error(res, 422)
    res = client.get("/api/sync/pull", params={"cursor": "v1." + "9" * 5000}, headers=headers)
    assert res.status_code in (410, 422)
    res = client.post(f"/api/devices/{'d' * 5000}/revoke", headers=admin)
    assert res.status_code in (404, 422)
    res = client.get(f"/api/photos/{'a' * 5000}", headers=headers)
    _error(res, 422)
    after = _stored(session)
    # the rejected mutation is remembered as rejected (so a retry is a duplicate), nothing else
    assert after.pop("mutations") == before.pop("mutations") + 1
    assert session.exec(select(Mutation.status)).all() == ["rejected"]
    assert after == before


# --- clocks -------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1970, 2100])
def test_a_phone_clock_reset_to_1970_or_set_to_2100_is_corrected_and_flagged(
    client, town, login, session, year
):
    """A phone with a reset clock is real field data: docs/sync.md's offset correction gives
    the record a trustworthy time, and the record is flagged `skew` for supervisors."""
    headers = login("member_a1")
    sent = datetime(year, 1, 1, 0, 10, tzinfo=SHANGHAI)
    report = mut(
        "hazard.report",
        {"site_id": town.sites["a"].id, "category": "traffic", "description": "校门口车辆乱停"},
        at=sent - timedelta(minutes=5),
    )
    [r] = push(client, headers, [report], sent_at=sent)
    assert r["status"] == "applied"
    session.rollback()
    hazard = session.get(Hazard, report["id"])
    assert hazard.device_time.year in (year, year - 1)  # as the phone said (UTC)
    assert abs(hazard.event_time - (hazard.received_at - timedelta(minutes=5))) < timedelta(
        seconds=1
    )
    assert "skew" in hazard.clock_flag.split(",")
    assert "future" not in hazard.clock_flag.split(",")


def test_an_event_recorded_after_it_was_sent_is_flagged_future_and_clamped(
    client, town, login, session
):
    headers = login("member_a1")
    sent = datetime.now(SHANGHAI)
    report = _hazard(town)
    report["occurred_at"] = (sent + timedelta(hours=2)).isoformat()
    [r] = push(client, headers, [report], sent_at=sent)
    assert r["status"] == "applied"
    session.rollback()
    hazard = session.get(Hazard, report["id"])
    assert "future" in hazard.clock_flag.split(",")
    assert hazard.event_time == hazard.received_at


def test_times_no_phone_can_have_are_refused_not_crashed_on(client, town, login, session):
    headers = login("member_a1")
    before = _stored(session)
    results = push(
        client,
        headers,
        [
            {**_hazard(town), "occurred_at": "0001-01-01T00:00:00+14:00"},
            {**_hazard(town), "occurred_at": "9999-12-31T23:59:59-12:00"},
            {**_hazard(town), "occurred_at": "1800-01-01T00:00:00+08:00"},
            {**_hazard(town), "occurred_at": "2026-02-30T08:00:00+08:00"},
            {**_hazard(town), "occurred_at": "2026-11-30T08:00:00+25:00"},
        ],
    )
    assert [r["status"] for r in results] == ["rejected"] * 5
    for sent_at in ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"):
        res = _push_raw(client, headers, {"sent_at": sent_at, "mutations": [_hazard(town)]})
        _error(res, 422)
    assert _stored(session)["hazards"] == before["hazards"]


# --- GPS ----------------------------------------------------------------------------------


def test_gps_out_of_range_is_rejected(client, town, login, session):
    headers = login("member_a1")
    fixes = [
        {"lat": 90.0001, "lon": 114.3},
        {"lat": -91, "lon": 114.3},
        {"lat": 30.5, "lon": 180.5},
        {"lat": 30.5, "lon": -181},
        {"lat": 30.5, "lon": 114.3, "accuracy_m": -5},
        {"lat": 30.5, "lon": 114.3, "accuracy_m": 1e12},
        {"lat": "30.5N", "lon": 114.3},
    ]
    results = push(client, headers, [_hazard(town, **fix) for fix in fixes])
    assert [r["status"] for r in results] == ["rejected"] * len(fixes)
    now = datetime.now(SHANGHAI).isoformat()
    raw = (
        f'{{"sent_at": "{now}", "mutations": [{{"id": "0190f5c2-0000-7000-8000-000000000001", '
        f'"type": "hazard.report", "occurred_at": "{now}", "payload": {{"site_id": '
        f'{town.sites["a"].id}, "category": "fire", "description": "x", '
        '"lat": NaN, "lon": Infinity}}]}'
    )
    res = client.post(
        "/api/sync/push",
        content=raw.encode(),
        headers={**headers, "content-type": "application/json"},
    )
    assert res.status_code in (200, 422), res.text
    if res.status_code == 200:
        assert res.json()["results"][0]["status"] == "rejected"
    res = client.post(
        "/api/sites", json={"name": "极地学校", "lat": 95, "lon": 200}, headers=login("admin")
    )
    _error(res, 422)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Hazard)).one() == 0


# --- photos -------------------------------------------------------------------------------


def _image(fmt: str, size=(32, 24), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture(scope="module")
def image_bomb() -> bytes:
    """A real PNG of 20000 x 20000 1-bit pixels: a few kB on the wire, 400 megapixels."""
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


@pytest.fixture(scope="module")
def small_bomb() -> bytes:
    """48 megapixels: over the app's limit, under Pillow's hard error (the warning path)."""
    buf = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buf, format="PNG")
    return buf.getvalue()


def test_uploads_that_are_not_photos_get_422_and_nothing_is_stored(
    client, town, login, session, image_bomb, small_bomb
):
    headers = login("member_a1")
    report = _hazard(town)
    push(client, headers, [report])
    before = _stored(session)
    png = png_bytes((64, 48))
    not_photos = {
        "text": "这不是照片 🙂".encode(),
        "html": b"<html><script>alert(1)</script></html>",
        "gif": _image("GIF"),
        "bmp": _image("BMP"),
        "truncated png": png[: len(png) // 2],
        "png header only": png[:33],
        "bomb 400 MP": image_bomb,
        "bomb 48 MP": small_bomb,
        "empty": b"",
    }
    assert len(image_bomb) < 2 * MIB
    for name, data in not_photos.items():
        res = client.put(f"/api/photos/{sha(data)}", content=data, headers=headers)
        err = _error(res, 422)
        assert "image" in err["message"].lower() or "photo" in err["message"].lower(), (name, err)
    # a real photo whose bytes do not match its name
    res = client.put(f"/api/photos/{sha(png_bytes())}", content=png, headers=headers)
    assert "SHA-256" in _error(res, 422)["message"]
    # the same, assembled from chunks: refused at the last chunk, the partial file removed
    for data, name in ((image_bomb, sha(image_bomb)), (png, sha(b"other"))):
        half = len(data) // 2
        first = client.patch(
            f"/api/photos/{name}",
            params={"offset": 0, "total": len(data)},
            content=data[:half],
            headers=headers,
        )
        assert first.status_code == 200 and first.json()["received"] == half
        last = client.patch(
            f"/api/photos/{name}",
            params={"offset": half, "total": len(data)},
            content=data[half:],
            headers=headers,
        )
        _error(last, 422)
        state = client.get(f"/api/photos/{name}/upload", headers=headers).json()
        assert state == {"sha256": name, "received": 0, "complete": False}
    assert _stored(session) == before
    # a real photo still goes in afterwards
    res = client.put(f"/api/photos/{sha(png)}", content=png, headers=headers)
    assert res.status_code == 201
    assert len(_stored(session)["files"]) == len(before["files"]) + 1


def test_a_wrong_chunk_offset_or_overlong_chunk_is_refused(client, town, login, session):
    headers = login("member_a1")
    png = png_bytes((64, 48))
    name = sha(png)
    res = client.patch(
        f"/api/photos/{name}",
        params={"offset": 10, "total": len(png)},
        content=png[10:20],
        headers=headers,
    )
    assert _error(res, 409)["details"]["received"] == 0
    res = client.patch(
        f"/api/photos/{name}", params={"offset": 0, "total": 10}, content=png, headers=headers
    )
    _error(res, 422)
    for params in ({"offset": -1, "total": 10}, {"offset": 0, "total": 0}, {"offset": "x"}):
        res = client.patch(f"/api/photos/{name}", params=params, content=b"x", headers=headers)
        _error(res, 422)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Photo)).one() == 0


def test_photo_names_that_are_not_sha256_are_refused(client, town, login):
    headers = login("member_a1")
    png = png_bytes()
    for name in (sha(png).upper(), sha(png)[:63], "../../etc/passwd", "..%2F..%2Fsecret.key"):
        res = client.put(f"/api/photos/{name}", content=png, headers=headers)
        assert res.status_code in (404, 405, 422), (name, res.status_code)
    assert utc(2026, 1, 1).year == 2026
