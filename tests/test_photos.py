"""Photos: content-addressed, idempotent, resumable, checked by content, served by scope."""

import hashlib
import io

from PIL import Image

from tests.sync_helpers import mut, push


def _jpeg(seed=0, size=(320, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (seed % 255, 90, 160)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _report_with(client, town, headers, site, shas):
    m = mut(
        "hazard.report",
        {
            "site_id": town.sites[site].id,
            "category": "collapse",
            "description": "宿舍墙体裂缝",
            "photos": shas,
        },
    )
    push(client, headers, [m])
    return m["id"]


def test_uploading_the_same_photo_twice_stores_it_once(client, town, login, tmp_path):
    headers = login("member_a1")
    data = _jpeg()
    first = client.put(f"/api/photos/{_sha(data)}", content=data, headers=headers)
    again = client.put(f"/api/photos/{_sha(data)}", content=data, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    stored = list((tmp_path / "uploads").rglob(_sha(data)))
    assert len(stored) == 1
    assert stored[0].read_bytes() == data


def test_a_photo_whose_bytes_do_not_match_its_name_is_refused(client, town, login):
    data = _jpeg()
    res = client.put(f"/api/photos/{'0' * 64}", content=data, headers=login("member_a1"))
    assert res.status_code == 422
    assert "SHA-256" in res.json()["error"]["message"]


def test_a_file_that_is_not_an_image_is_refused_by_its_content(client, town, login):
    data = b"%PDF-1.4 not a photo at all"
    res = client.put(f"/api/photos/{_sha(data)}", content=data, headers=login("member_a1"))
    assert res.status_code == 422
    assert "JPEG, PNG or WebP" in res.json()["error"]["message"]


def test_a_gif_is_refused_even_though_it_is_an_image(client, town, login):
    buf = io.BytesIO()
    Image.new("P", (8, 8)).save(buf, "GIF")
    data = buf.getvalue()
    res = client.put(f"/api/photos/{_sha(data)}", content=data, headers=login("member_a1"))
    assert res.status_code == 422


def test_an_interrupted_upload_resumes_from_where_the_server_stopped(client, town, login):
    headers = login("member_a1")
    data = _jpeg(size=(800, 600))
    sha, total = _sha(data), len(data)
    half = total // 2
    part = client.patch(
        f"/api/photos/{sha}",
        params={"offset": 0, "total": total},
        content=data[:half],
        headers=headers,
    )
    assert part.json() == {"sha256": sha, "received": half, "complete": False}
    # the connection dropped; the phone asks how much arrived and continues from there
    state = client.get(f"/api/photos/{sha}/upload", headers=headers).json()
    assert state["received"] == half
    wrong = client.patch(
        f"/api/photos/{sha}",
        params={"offset": 0, "total": total},
        content=data[:10],
        headers=headers,
    )
    assert wrong.status_code == 409
    assert wrong.json()["error"]["details"]["received"] == half
    done = client.patch(
        f"/api/photos/{sha}",
        params={"offset": half, "total": total},
        content=data[half:],
        headers=headers,
    )
    assert done.json()["complete"] is True
    assert client.get(f"/api/photos/{sha}", headers=headers).content == data


def test_a_record_may_arrive_before_its_photos_and_the_gap_is_listed(client, town, login):
    headers = login("member_a1")
    data = _jpeg(seed=7)
    record_id = _report_with(client, town, headers, "a", [_sha(data)])
    sup = login("supervisor")
    missing = client.get("/api/photos/missing", headers=sup).json()
    assert [(m["record_id"], m["sha256"]) for m in missing] == [(record_id, _sha(data))]
    client.put(f"/api/photos/{_sha(data)}", content=data, headers=headers)
    assert client.get("/api/photos/missing", headers=sup).json() == []


def test_member_cannot_fetch_another_groups_photo_nor_learn_that_it_exists(client, town, login):
    a_member = login("member_a1")
    data = _jpeg(seed=3)
    client.put(f"/api/photos/{_sha(data)}", content=data, headers=a_member)
    _report_with(client, town, a_member, "a", [_sha(data)])
    assert client.get(f"/api/photos/{_sha(data)}", headers=login("member_a2")).status_code == 200
    b_member = login("member_b1")
    hidden = client.get(f"/api/photos/{_sha(data)}", headers=b_member)
    absent = client.get(f"/api/photos/{_sha(_jpeg(seed=4))}", headers=b_member)
    assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json())
    assert hidden.status_code == 404
    # nor through the resumable upload: its state and a first chunk answer as for no photo
    for sha in (_sha(data), _sha(_jpeg(seed=4))):
        state = client.get(f"/api/photos/{sha}/upload", headers=b_member).json()
        assert state == {"sha256": sha, "received": 0, "complete": False}
    first = client.patch(
        f"/api/photos/{_sha(data)}",
        params={"offset": 0, "total": len(data)},
        content=data[:100],
        headers=b_member,
    )
    assert first.json() == {"sha256": _sha(data), "received": 100, "complete": False}
    assert client.get(f"/api/photos/{_sha(data)}", headers=login("supervisor")).status_code == 200


def test_a_photo_over_the_size_limit_gets_413(client, town, login):
    data = b"\xff\xd8" + b"0" * (11 * 1024 * 1024)
    res = client.put(f"/api/photos/{_sha(data)}", content=data, headers=login("member_a1"))
    assert res.status_code == 413
