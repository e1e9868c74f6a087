"""Text answers are gzip-compressed (JSON, CSV, sync, the PWA's files), photos are not; /docs
loads Swagger UI from this server alone, so it works with no Internet."""

import gzip
import io
import json
import random
import re

from PIL import Image

from app.web import DOCS_CSP
from tests.hardening_world import sha
from tests.sync_helpers import mut, push

GZIP = {"Accept-Encoding": "gzip"}


def _raw(client, path: str, headers: dict) -> tuple[int, dict, bytes]:
    """Status, headers and the bytes as sent (not decoded by the client)."""
    with client.stream("GET", path, headers={**GZIP, **headers}) as res:
        return res.status_code, dict(res.headers), b"".join(res.iter_raw())


def _shift_with_scans(town) -> list[dict]:
    start = mut(
        "shift.start",
        {
            "site_id": town.sites["a"].id,
            "member_ids": [town.users[f"member_a{i}"].id for i in range(1, 5)],
        },
    )
    scans = [
        mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": cp.code})
        for cp in town.checkpoints["a"]
    ]
    return [start, *scans]


def test_json_csv_and_sync_answers_are_gzip_compressed_and_decode_to_the_same_text(
    client, town, login
):
    member, supervisor = login("member_a1"), login("supervisor")
    body = {"sent_at": "2026-12-01T08:00:00+08:00", "outbox_depth": 0}
    push_res = client.post(
        "/api/sync/push",
        json={**body, "mutations": _shift_with_scans(town)},
        headers={**member, **GZIP},
    )
    assert push_res.status_code == 200
    assert push_res.headers["content-encoding"] == "gzip"
    for path, who in (
        ("/api/sync/pull?limit=500", member),
        ("/api/reports/logs", supervisor),
        ("/api/reports/logs?format=csv", supervisor),
        ("/js/app.js", {}),
    ):
        status, headers, raw = _raw(client, path, who)
        assert status == 200, path
        assert headers.get("content-encoding") == "gzip", path
        assert "accept-encoding" in headers.get("vary", "").lower(), path
        plain = client.get(path, headers={**who, "Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers, path
        sent = gzip.decompress(raw)
        if path.startswith("/api/sync/pull"):  # the same changes; server_time moves on
            assert json.loads(sent)["changes"] == plain.json()["changes"]
        else:
            assert sent == plain.content, path
        assert len(raw) < len(plain.content), path


def _noisy_jpeg() -> bytes:
    """A photo-like JPEG of a few KiB (noise does not compress), over gzip's minimum size."""
    rnd = random.Random(7)
    img = Image.frombytes("RGB", (96, 64), bytes(rnd.randrange(256) for _ in range(96 * 64 * 3)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_photos_are_sent_as_they_are_not_gzipped(client, town, login):
    member = login("member_a1")
    data = _noisy_jpeg()
    digest = sha(data)
    up = client.put(
        f"/api/photos/{digest}", content=data, headers={**member, "content-type": "image/jpeg"}
    )
    assert up.status_code in (200, 201), up.text
    results = push(
        client,
        member,
        [
            mut(
                "hazard.report",
                {
                    "site_id": town.sites["a"].id,
                    "category": "fire",
                    "description": "灭火器过期",
                    "photos": [digest],
                },
            )
        ],
    )
    assert results[0]["status"] == "applied", results
    status, headers, raw = _raw(client, f"/api/photos/{digest}", member)
    assert status == 200
    assert "content-encoding" not in headers
    assert raw == data


def test_docs_page_loads_swagger_ui_from_this_server_and_names_no_other_host(client):
    res = client.get("/docs")
    assert res.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", res.text)
    assert any(u.endswith("/swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("/swagger-ui.css") for u in urls)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "https://" not in DOCS_CSP and "http://" not in DOCS_CSP
    assert res.headers["content-security-policy"] == DOCS_CSP
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404
