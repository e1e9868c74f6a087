"""An admin imports a phone's exported outbox (POST /api/sync/import): exactly once, like a
push, as the phone's own user and device, under that user's rules."""

import base64
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from app.audit.models import AuditEvent
from app.hazards.models import Hazard
from app.photos.models import Photo
from app.sync.models import Mutation
from tests.hardening_world import png_bytes
from tests.sync_helpers import SHANGHAI, mut, push

DEVICE = "dev-member_a1-phone"


def export_file(town, mutations, *, photos=(), user="member_a1", device=DEVICE, days_ago=3):
    """What pwa/js/storage.js exportDocument writes."""
    return {
        "format": "patrol-outbox-export",
        "version": 1,
        "exported_at": (datetime.now(SHANGHAI) - timedelta(days=days_ago)).isoformat(),
        "user_id": town.users[user].id,
        "username": user,
        "device_id": device,
        "mutations": mutations,
        "photos": [
            {
                "sha256": hashlib.sha256(p).hexdigest(),
                "content_type": "image/png",
                "data_base64": base64.b64encode(p).decode(),
            }
            for p in photos
        ],
    }


def hazard(town, site="a", text="校门口消防通道被占用", photos=()):
    payload = {"site_id": town.sites[site].id, "category": "fire", "description": text}
    if photos:
        payload["photos"] = [hashlib.sha256(p).hexdigest() for p in photos]
    return mut("hazard.report", payload)


def count(session, model) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def test_an_imported_outbox_is_applied_once_as_the_phones_user_and_a_second_import_is_duplicate(
    client, town, login, session
):
    login("member_a1", DEVICE)  # the phone logged in once, then could not sync for days
    admin = login("admin")
    photo = png_bytes((16, 12))
    body = export_file(
        town, [hazard(town, photos=[photo]), hazard(town, text="二")], photos=[photo]
    )

    first = client.post("/api/sync/import", json=body, headers=admin)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["applied", "applied"]
    assert [p["status"] for p in first.json()["photos"]] == ["stored"]
    again = client.post("/api/sync/import", json=body, headers=admin)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert [p["status"] for p in again.json()["photos"]] == ["duplicate"]

    assert count(session, Hazard) == 2
    rows = session.exec(select(Mutation)).all()
    assert {(m.user_id, m.device_id) for m in rows} == {(town.users["member_a1"].id, DEVICE)}
    stored = session.get(Photo, hashlib.sha256(photo).hexdigest())
    assert stored.uploaded_by == town.users["member_a1"].id
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "sync.import")).all()
    assert [e.actor_id for e in events] == [town.users["admin"].id] * 2


def test_a_phone_that_syncs_after_its_outbox_was_imported_gets_duplicates_and_stores_nothing(
    client, town, login, session
):
    phone = login("member_a1", DEVICE)
    records = [hazard(town), hazard(town, text="二")]
    res = client.post("/api/sync/import", json=export_file(town, records), headers=login("admin"))
    assert res.status_code == 200, res.text
    results = push(client, phone, records)
    assert [r["status"] for r in results] == ["duplicate", "duplicate"]
    assert count(session, Hazard) == 2
    assert count(session, Mutation) == 2


def test_an_imported_record_the_phones_user_may_not_make_is_rejected_alone(
    client, town, login, session
):
    login("member_a1", DEVICE)
    body = export_file(town, [hazard(town, site="b", text="别组的学校"), hazard(town)])
    res = client.post("/api/sync/import", json=body, headers=login("admin"))
    assert [r["status"] for r in res.json()["results"]] == ["rejected", "applied"]
    session.rollback()
    assert [h.site_id for h in session.exec(select(Hazard)).all()] == [town.sites["a"].id]


def test_an_import_keeps_the_phones_clock_correction_not_the_days_since_export(
    client, town, login, session
):
    phone = login("member_a1", DEVICE)
    push(client, phone, [])  # the device's clock offset is known: about zero
    body = export_file(town, [hazard(town)], days_ago=5)
    client.post("/api/sync/import", json=body, headers=login("admin"))
    session.rollback()
    [row] = session.exec(select(Mutation)).all()
    assert abs(row.clock_offset_s) < 60
    assert not row.clock_flag


def test_a_file_naming_a_device_of_another_user_or_an_unknown_one_is_refused(
    client, town, login, session
):
    login("member_a1", DEVICE)
    login("member_b1", "dev-member_b1-phone")
    admin = login("admin")
    for body in (
        export_file(town, [hazard(town)], device="dev-member_b1-phone"),
        export_file(town, [hazard(town)], device="dev-never-seen"),
    ):
        res = client.post("/api/sync/import", json=body, headers=admin)
        assert res.status_code == 404, res.text
        assert res.json()["error"]["message_zh"]
    wrong_name = export_file(town, [hazard(town)]) | {"username": "someone-else"}
    assert client.post("/api/sync/import", json=wrong_name, headers=admin).status_code == 422
    assert count(session, Mutation) == 0


def test_a_bad_photo_in_the_file_is_refused_alone(client, town, login, session):
    login("member_a1", DEVICE)
    good = png_bytes((16, 12))
    body = export_file(town, [hazard(town, photos=[good])], photos=[good, b"not an image"])
    res = client.post("/api/sync/import", json=body, headers=login("admin"))
    assert [p["status"] for p in res.json()["photos"]] == ["stored", "rejected"]
    assert [r["status"] for r in res.json()["results"]] == ["applied"]
    assert count(session, Photo) == 1


def test_an_export_larger_than_one_push_is_imported_whole(
    client, town, login, session, monkeypatch
):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "max_batch_mutations", 2)
    login("member_a1", DEVICE)
    records = [hazard(town, text=f"隐患 {i}") for i in range(5)]
    res = client.post("/api/sync/import", json=export_file(town, records), headers=login("admin"))
    assert res.status_code == 200, res.text
    assert [r["status"] for r in res.json()["results"]] == ["applied"] * 5
    assert count(session, Hazard) == 5
