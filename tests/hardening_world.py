"""A realistic world for the hardening tests: the two-group town, every kind of caller,
and group A's and group B's records created the way phones create them (push, photo PUT)."""

import hashlib
import io
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from PIL import Image

from app.auth.security import ALGORITHM
from app.config import get_settings
from tests.factories import PASSWORD, Town
from tests.sync_helpers import SHANGHAI, mut, new_id, push

# Every kind of caller the authorization matrix checks.
CALLERS = (
    "anonymous",
    "member_a",
    "member_b",
    "gate",
    "leader_a",
    "leader_b",
    "supervisor",
    "admin",
    "disabled",
    "expired",
)
ACTIVE = frozenset({"member_a", "member_b", "gate", "leader_a", "leader_b", "supervisor", "admin"})

_colours = itertools.count(1)


def png_bytes(size: tuple[int, int] = (8, 6), colour: int | None = None) -> bytes:
    """A small real PNG; each call without a colour gives different bytes (a new SHA)."""
    c = next(_colours) if colour is None else colour
    img = Image.new("RGB", size, ((c * 37) % 256, (c * 91) % 256, (c * 13) % 256))
    img.putpixel((0, 0), (c % 256, (c // 256) % 256, (c // 65536) % 256))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login_tokens(client, username: str, device_id: str) -> dict:
    res = client.post(
        "/api/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device_id},
    )
    assert res.status_code == 200, res.text
    return res.json()


def expired_token(user_id: int, device_id: str) -> str:
    """Correctly signed for a real user and device, but expired an hour ago."""
    past = datetime.now(UTC) - timedelta(hours=1)
    claims = {
        "sub": str(user_id),
        "dev": device_id,
        "scope": "all",
        "typ": "access",
        "iat": int((past - timedelta(minutes=15)).timestamp()),
        "exp": int(past.timestamp()),
    }
    return jwt.encode(claims, get_settings().secret_key, algorithm=ALGORITHM)


@dataclass
class World:
    town: Town
    client: object = None  # the TestClient, for rules that prepare a fresh object per call
    headers: dict[str, dict] = field(default_factory=dict)  # caller -> request headers
    devices: dict[str, str] = field(default_factory=dict)  # caller -> device id
    ids: dict[str, dict] = field(default_factory=dict)  # "a"/"b" -> ids of that group's records
    photos: dict[str, bytes] = field(default_factory=dict)  # sha -> bytes
    spare: dict = field(default_factory=dict)  # things an allowed caller may change or revoke
    second: Town | None = None  # a second town of the county, where a test builds one


def _upload(client, headers, data: bytes) -> str:
    digest = sha(data)
    res = client.put(f"/api/photos/{digest}", content=data, headers=headers)
    assert res.status_code == 201, res.text
    return digest


def _group_records(client, town: Town, world: World, key: str) -> None:
    """One group's field data: a confirmed shift with scans, a hazard with a photo,
    a gate check and a visitor, all pushed through /api/sync/push."""
    member, leader, gate = world.headers[f"member_{key}"], f"leader_{key}", f"gate_{key}"
    site = town.sites[key]
    photo = png_bytes((16, 12))
    start = mut(
        "shift.start",
        {
            "site_id": site.id,
            "member_ids": [town.users[f"member_{key}{i}"].id for i in (1, 2, 3)],
        },
        at=datetime.now(SHANGHAI) - timedelta(hours=3),
    )
    scans = [
        mut("shift.scan", {"shift_id": start["id"], "checkpoint_code": cp.code, "lat": 30.5})
        for cp in town.checkpoints[key][:2]
    ]
    end = mut("shift.end", {"shift_id": start["id"]})
    hazard = mut(
        "hazard.report",
        {
            "site_id": site.id,
            "category": "fire",
            "severity": "high",
            "description": f"{site.name}食堂电线老化",
            "photos": [sha(photo)],
        },
    )
    results = push(client, member, [start, *scans, end, hazard])
    assert [r["status"] for r in results] == ["applied"] * len(results), results
    world.photos[_upload(client, member, photo)] = photo
    review = mut("shift.review", {"shift_id": start["id"], "decision": "confirm"})
    [r] = push(client, world.headers[leader], [review])
    assert r["status"] == "applied", r
    gate_headers = world.headers.get(gate) or bearer(
        login_tokens(client, gate, f"dev-{gate}")["access_token"]
    )
    check = mut(
        "gate.check",
        {
            "site_id": site.id,
            "window_id": town.windows[key][0].id,
            "local_date": datetime.now(SHANGHAI).date().isoformat(),
            "direction": "in",
        },
    )
    visitor = mut(
        "visitor.enter",
        {"site_id": site.id, "name": "送货员 刘师傅", "visiting": "食堂", "host_approved": True},
    )
    results = push(client, gate_headers, [check, visitor])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    admin = world.headers["admin"]
    res = client.post(
        "/api/boarding/dormitories", json={"site_id": site.id, "name": "男生宿舍1"}, headers=admin
    )
    assert res.status_code == 201, res.text
    dormitory = res.json()["id"]
    res = client.post(
        "/api/boarding/pupils",
        json={"dormitory_id": dormitory, "name": "王小明", "class_name": "初一(1)班"},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    pupil = res.json()["id"]
    res = client.post("/api/villages", json={"code": f"V-{key}", "name": f"{key}村"}, headers=admin)
    assert res.status_code == 201, res.text
    village = res.json()["id"]
    res = client.post(
        "/api/defences/devices",
        json={"site_id": site.id, "kind": "camera", "name": "校门口摄像头1"},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    defence_device = res.json()["id"]
    # police at the gate and leadership duty: a police-station post; two planned duty days
    res = client.post(
        "/api/police/posts",
        json={"site_id": site.id, "department": "police_station"},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    post = res.json()["id"]
    plans = []
    for day in ("2026-11-30", "2026-12-01"):
        body = {"site_id": site.id, "day": day, "cadre_id": town.users[f"leader_{key}"].id}
        res = client.put("/api/duty/plan", json=body, headers=admin)
        assert res.status_code == 200, res.text
        plans.append(res.json()["id"])
    world.ids[key] = {
        "site": site.id,
        "checkpoint": town.checkpoints[key][0].id,
        "window": town.windows[key][0].id,
        "group": town.groups[key].id,
        "shift": start["id"],
        "scan": scans[0]["id"],
        "review": review["id"],
        "hazard": hazard["id"],
        "gate_check": check["id"],
        "visitor": visitor["id"],
        "dormitory": dormitory,
        "pupil": pupil,
        "village": village,
        "defence_device": defence_device,
        "post": post,  # planned on 2026-11-30 (changed by PUT), the next day's (deleted)
        "plan": plans[1],
        "photo": sha(photo),
        "member": town.users[f"member_{key}1"].id,
        "leader": town.users[f"leader_{key}"].id,
    }


def build_world(client, town: Town) -> World:
    world = World(town=town, client=client)
    logins = {
        "member_a": "member_a1",
        "member_b": "member_b1",
        "gate": "gate_a",
        "leader_a": "leader_a",
        "leader_b": "leader_b",
        "supervisor": "supervisor",
        "admin": "admin",
        "disabled": "member_a4",
    }
    for caller, username in logins.items():
        device = f"dev-{username}"
        world.devices[caller] = device
        world.headers[caller] = bearer(login_tokens(client, username, device)["access_token"])
    world.headers["anonymous"] = {}
    login_tokens(client, "member_a2", "dev-member_a2")
    world.devices["expired"] = "dev-member_a2"
    world.headers["expired"] = bearer(expired_token(town.users["member_a2"].id, "dev-member_a2"))
    _group_records(client, town, world, "a")
    _group_records(client, town, world, "b")
    # Disabled after its phone logged in: the token is still signed and unexpired.
    admin = world.headers["admin"]
    res = client.patch(
        f"/api/users/{town.users['member_a4'].id}", json={"active": False}, headers=admin
    )
    assert res.status_code == 200, res.text
    # Spares an allowed caller may deactivate, edit or revoke without disturbing the rest.
    res = client.post("/api/sites", json={"name": "备用测试学校", "kind": "school"}, headers=admin)
    assert res.status_code == 201, res.text
    spare_site = res.json()["id"]
    res = client.post(
        f"/api/sites/{spare_site}/checkpoints",
        json={"name": "备用点", "code": "SPARE-CP1"},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    spare_cp = res.json()["id"]
    res = client.post(
        f"/api/sites/{spare_site}/gate-windows",
        json={"name": "上学", "kind": "arrival", "starts": "07:30:00", "ends": "08:30:00"},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    spare_window = res.json()["id"]
    login_tokens(client, "member_a3", "dev-spare-phone")
    groups = {}
    for name in ("group", "group_deact"):
        res = client.post(
            "/api/groups",
            json={
                "name": unique("备用巡逻组"),
                "member_ids": [town.users["member_a3"].id],
                "site_ids": [spare_site],
            },
            headers=admin,
        )
        assert res.status_code == 201, res.text
        groups[name] = res.json()["id"]
    world.spare = {
        "site": spare_site,
        "checkpoint": spare_cp,
        "window": spare_window,
        "device": "dev-spare-phone",
        "user": town.users["member_a3"].id,
        **groups,
    }
    world.ids["a"]["roster"] = new_roster(world)
    world.ids["a"]["roster_shift"] = new_roster_shift(world, world.ids["a"]["roster"])
    world.ids["b"]["roster"] = new_roster(world, "b")
    return world


def new_roster(world: World, key: str = "a", *, submitted: bool = False) -> int:
    """A draft (or submitted) duty roster of the group, made by its leader."""
    client, leader = world.client, world.headers[f"leader_{key}"]
    today = datetime.now(SHANGHAI).date()
    res = client.post(
        "/api/rosters",
        json={
            "group_id": world.town.groups[key].id,
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=6)).isoformat(),
        },
        headers=leader,
    )
    assert res.status_code == 201, res.text
    roster = res.json()["id"]
    if submitted:
        new_roster_shift(world, roster, key)
        res = client.post(f"/api/rosters/{roster}/submit", headers=leader)
        assert res.status_code == 200, res.text
    return roster


def roster_shift_body(world: World, key: str = "a") -> dict:
    start = datetime.now(SHANGHAI).replace(hour=20, minute=0, second=0, microsecond=0)
    return {
        "site_id": world.town.sites[key].id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=12)).isoformat(),
        "member_ids": [world.town.users[f"member_{key}{i}"].id for i in (1, 2, 3, 4)],
    }


def new_roster_shift(world: World, roster: int, key: str = "a") -> int:
    res = world.client.post(
        f"/api/rosters/{roster}/shifts",
        json=roster_shift_body(world, key),
        headers=world.headers[f"leader_{key}"],
    )
    assert res.status_code == 201, res.text
    return res.json()["id"]


def unique(prefix: str = "x") -> str:
    return f"{prefix}{new_id()[:8]}"
