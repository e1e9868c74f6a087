"""Backup and restore (`patrol backup` / `patrol restore`): a restore starts a new feed epoch,
and a phone's records, acknowledged before or after the backup, survive a restore to it."""

import hashlib
import io
import json
from dataclasses import dataclass, field

import pytest
from PIL import Image
from sqlalchemy import select

from app.cli import main as patrol
from app.hazards.models import Hazard
from app.photos.store import get_store, photo_key
from tests.sync_helpers import mut
from tests.test_photo_uploads import s3_server, use_store  # noqa: F401  (the moto S3 fixture)


@dataclass
class Phone:
    """The PWA's sync protocol in a few lines (pwa/js/sync.js, outbox.js): an outbox that
    keeps acknowledged entries, a pulled copy and its cursor; on cursor_reset it drops the
    copy, makes kept entries pending again, pushes them and pulls from the start."""

    client: object
    headers: dict
    outbox: list[dict] = field(default_factory=list)  # {"m": mutation, "state": ...}
    records: dict = field(default_factory=dict)
    cursor: str | None = None
    resets: int = 0

    def record(self, m: dict) -> None:
        self.outbox.append({"m": m, "state": "pending"})

    def push(self) -> list[str]:
        pending = [e for e in self.outbox if e["state"] == "pending"]
        if not pending:
            return []
        res = self.client.post(
            "/api/sync/push",
            json={
                "sent_at": pending[-1]["m"]["occurred_at"],
                "outbox_depth": len(pending),
                "mutations": [e["m"] for e in pending],
            },
            headers=self.headers,
        )
        assert res.status_code == 200, res.text
        answers = res.json()["results"]
        for entry, answer in zip(pending, answers, strict=True):
            entry["state"] = "synced" if answer["status"] in ("applied", "duplicate") else "other"
        return [a["status"] for a in answers]

    def pull(self) -> None:
        while True:
            params = {"limit": 2, **({"cursor": self.cursor} if self.cursor else {})}
            res = self.client.get("/api/sync/pull", params=params, headers=self.headers)
            if res.status_code == 410:
                assert res.json()["error"]["code"] == "cursor_reset"
                self.resets += 1
                self.records, self.cursor = {}, None
                for entry in self.outbox:
                    if entry["state"] == "synced":
                        entry["state"] = "pending"
                self.push()
                continue
            assert res.status_code == 200, res.text
            body = res.json()
            for c in body["changes"]:
                self.records[(c["entity"], c["id"])] = c["data"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return

    def sync(self) -> None:
        self.push()
        self.pull()


def _hazard(town, site: str, text: str, photos=()) -> dict:
    payload = {"site_id": town.sites[site].id, "category": "fire", "description": text}
    if photos:
        payload["photos"] = list(photos)
    return mut("hazard.report", payload)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _hazards(phone: Phone) -> set[str]:
    return {d["description"] for (entity, _), d in phone.records.items() if entity == "hazard"}


def test_a_phones_records_survive_a_restore_to_an_older_backup(
    client, town, login, engine, session, tmp_path
):
    a = Phone(client, login("member_a1", device_id="phone-a-0001"))
    b = Phone(client, login("member_b1", device_id="phone-b-0001"))
    a.record(_hazard(town, "a", "备份前A"))
    b.record(_hazard(town, "b", "备份前B"))
    a.sync(), b.sync()

    patrol(["backup", "--to", str(tmp_path / "bk")])

    a.record(_hazard(town, "a", "备份后A1"))
    a.record(_hazard(town, "a2", "备份后A2"))
    b.record(_hazard(town, "b", "备份后B"))
    a.sync(), b.sync()
    assert all(e["state"] == "synced" for e in a.outbox + b.outbox)

    patrol(["restore", str(tmp_path / "bk"), "--yes"])
    session.rollback()
    assert len(session.execute(select(Hazard.id)).all()) == 2  # the backup's two

    a.sync(), b.sync()
    assert (a.resets, b.resets) == (1, 1)
    session.rollback()
    server = set(session.execute(select(Hazard.description)).scalars())
    assert server == {"备份前A", "备份前B", "备份后A1", "备份后A2", "备份后B"}
    assert _hazards(a) == {"备份前A", "备份后A1", "备份后A2"}
    assert _hazards(b) == {"备份前B", "备份后B"}
    # Re-sent again, nothing is applied twice.
    for entry in a.outbox:
        entry["state"] = "pending"
    assert a.push() == ["duplicate"] * 3


def test_after_a_restore_a_cursor_from_before_it_is_answered_cursor_reset(
    client, town, login, tmp_path
):
    phone = Phone(client, login("member_a1"))
    phone.record(_hazard(town, "a", "隐患"))
    phone.sync()
    patrol(["backup", "--to", str(tmp_path / "bk")])
    patrol(["restore", str(tmp_path / "bk"), "--yes"])
    res = client.get("/api/sync/pull", params={"cursor": phone.cursor}, headers=phone.headers)
    assert (res.status_code, res.json()["error"]["code"]) == (410, "cursor_reset")


@pytest.mark.parametrize("kind", ["local", "database", "s3"])
def test_the_backup_holds_the_photos_and_a_restore_brings_them_back_whatever_the_store(
    client, town, login, tmp_path, request, monkeypatch, kind
):
    """S3: moto's S3 server on 127.0.0.1, spoken to by the real boto3 client of S3Store."""
    use_store(monkeypatch, kind, request.getfixturevalue("s3_server") if kind == "s3" else None)
    headers = login("member_a1")
    data = _jpeg()
    sha = hashlib.sha256(data).hexdigest()
    phone = Phone(client, headers)
    phone.record(_hazard(town, "a", "有照片", photos=[sha]))
    phone.sync()
    assert client.put(f"/api/photos/{sha}", content=data, headers=headers).status_code == 201
    patrol(["backup", "--to", str(tmp_path / "bk")])
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert (manifest["photos"], manifest["photo_store"]) == (1, kind)
    if kind != "database":  # the bytes are beside the database copy, not only in the store
        assert (tmp_path / "bk" / "photos" / photo_key(sha)).read_bytes() == data
    get_store().delete(photo_key(sha))  # the machine's disk, the bucket's object, the row: lost
    assert client.get(f"/api/photos/{sha}", headers=headers).status_code != 200
    patrol(["restore", str(tmp_path / "bk"), "--yes"])
    res = client.get(f"/api/photos/{sha}", headers=headers)
    assert res.status_code == 200
    assert res.content == data


def test_a_backup_taken_with_s3_restores_into_the_local_folder(
    client, town, login, tmp_path, request, monkeypatch
):
    use_store(monkeypatch, "s3", request.getfixturevalue("s3_server"))
    headers = login("member_a1")
    data = _jpeg()
    sha = hashlib.sha256(data).hexdigest()
    phone = Phone(client, headers)
    phone.record(_hazard(town, "a", "有照片", photos=[sha]))
    phone.sync()
    assert client.put(f"/api/photos/{sha}", content=data, headers=headers).status_code == 201
    patrol(["backup", "--to", str(tmp_path / "bk")])
    use_store(monkeypatch, "local")  # the county moves off the object store
    patrol(["restore", str(tmp_path / "bk"), "--yes"])
    assert (tmp_path / "uploads" / photo_key(sha)).read_bytes() == data
    assert client.get(f"/api/photos/{sha}", headers=headers).content == data


def test_restore_refuses_without_confirmation(engine, tmp_path):
    with pytest.raises(SystemExit, match="--yes"):
        patrol(["restore", str(tmp_path / "bk")])
