"""Every route x every caller, with the expected answer; callers of another town, and a
county supervisor, included.

The route list comes from the app itself: a new route without a rule in RULES fails
`test_every_route_has_a_rule_and_every_rule_a_route`, so nobody can add an endpoint without
deciding who may call it. Path parameters are filled with real ids of group A's (or B's, or
spare) records created through the sync push and the photo upload, as phones create them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select

from app.gate.models import VisitorEntry
from app.hazards.models import Hazard
from app.main import create_app
from app.shifts.models import PatrolShift
from tests.factories import add_county_supervisor, build_second_town
from tests.hardening_world import (
    ACTIVE,
    CALLERS,
    World,
    bearer,
    build_world,
    login_tokens,
    new_roster,
    new_roster_shift,
    png_bytes,
    roster_shift_body,
    sha,
    unique,
)
from tests.sync_helpers import SHANGHAI, mut, pull_all, push

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/docs/oauth2-redirect"),
}

ADMIN = frozenset({"admin"})
SUPERVISOR = frozenset({"supervisor", "admin"})
LEADERS_A = frozenset({"leader_a", "supervisor", "admin"})
SEES_SITE_A = frozenset({"member_a", "gate", "leader_a", "supervisor", "admin"})
IN_GROUP_A = frozenset({"member_a", "leader_a", "supervisor", "admin"})
LEADS_A = frozenset({"leader_a", "admin"})
LEADERS = frozenset({"leader_a", "leader_b", "supervisor", "admin"})

Build = Callable[[World, str], tuple[dict, dict]]  # -> (extra path values, request kwargs)


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]  # callers that get the success answer
    ok: tuple[int, ...] = (200,)
    ids: str = "a"  # whose ids fill the path: "a", "b" or "spare"
    scoped: bool = False  # group-scoped: a caller outside may get 404 (not leaked) or 403
    disabled_ok: bool = False  # a disabled user's phone may still hand in records (docs/sync.md)
    build: Build | None = None


def _json(fn: Callable[[World, str], dict]) -> Build:
    return lambda w, c: ({}, {"json": fn(w, c)})


def _csv(text: Callable[[], str]) -> Build:
    return lambda w, c: ({}, {"files": {"file": ("import.csv", text().encode(), "text/csv")}})


def _params(fn: Callable[[World, str], dict]) -> Build:
    return lambda w, c: ({}, {"params": fn(w, c)})


def _new_photo(w: World, c: str) -> tuple[dict, dict]:
    data = png_bytes()
    return {"sha256": sha(data)}, {"content": data}


def _new_chunk(w: World, c: str) -> tuple[dict, dict]:
    data = png_bytes()
    return {"sha256": sha(data)}, {"content": data, "params": {"offset": 0, "total": len(data)}}


def _empty_push(w: World, c: str) -> dict:
    return {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": []}


def _outbox_export(w: World, c: str) -> dict:
    """A file exported by member_a1's phone with one new record (pwa/js/storage.js)."""
    return {
        "format": "patrol-outbox-export",
        "version": 1,
        "exported_at": datetime.now(SHANGHAI).isoformat(),
        "user_id": w.town.users["member_a1"].id,
        "username": "member_a1",
        "device_id": w.devices["member_a"],
        "mutations": [
            mut(
                "hazard.report",
                {"site_id": w.ids["a"]["site"], "category": "fire", "description": "导出"},
            )
        ],
    }


def _roster_with_a_shift(w: World) -> int:
    roster = new_roster(w)
    new_roster_shift(w, roster)
    return roster


_group_a = _params(lambda w, c: {"group_id": w.ids["a"]["group"]})


def _dispute_step(w: World, c: str) -> tuple[dict, dict]:
    """A fresh village's form with one dispute (handed in by the admin), to start resolving."""
    admin = w.headers["admin"]
    res = w.client.post(
        "/api/villages", json={"code": unique("V"), "name": unique("村")}, headers=admin
    )
    assert res.status_code == 201, res.text
    dispute = {"key": "d1", "summary": "宅基地纠纷", "category": "land"}
    form = mut(
        "village.form", {"village_id": res.json()["id"], "month": "2024-11", "disputes": [dispute]}
    )
    [r] = push(w.client, admin, [form])
    assert r["status"] == "applied", r
    return {}, {"json": {"form_id": form["id"], "dispute_key": "d1", "to": "resolving"}}


_site_a = _params(lambda w, c: {"site_id": w.ids["a"]["site"]})

# --- notices (通报) and veto cases: fresh drafts, issued notices and cases per call -----------
NOTICE_WEEK = {"date_from": "2024-11-25", "date_to": "2024-12-01"}  # past: no roster then


def _new_draft(w: World) -> dict:
    res = w.client.post(
        "/api/notices", json={"area": "rosters", **NOTICE_WEEK}, headers=w.headers["supervisor"]
    )
    assert res.status_code == 201 and res.json()["lines"], res.text
    return res.json()


def _new_issued(w: World, only_group: int | None = None) -> int:
    notice, sup = _new_draft(w), w.headers["supervisor"]
    for line in notice["lines"]:
        if only_group is not None and line["subject_id"] != str(only_group):
            res = w.client.post(
                f"/api/notices/{notice['id']}/lines/{line['id']}/drop",
                json={"reason": "仅通报A组"},
                headers=sup,
            )
            assert res.status_code == 200, res.text
    res = w.client.post(f"/api/notices/{notice['id']}/issue", headers=sup)
    assert res.status_code == 200, res.text
    return notice["id"]


def _veto_body(w: World) -> dict:
    return {
        "subject_kind": "school",
        "subject_id": str(w.ids["a"]["site"]),
        "occurred_on": "2024-11-28",
        "reason": "重大隐患逾期未整改",
        "evidence_kind": "hazard",
        "evidence_ref": w.ids["a"]["hazard"],
    }


def _draft_path(w: World, c: str) -> tuple[dict, dict]:
    return {"notice_id": _new_draft(w)["id"]}, {}


def _draft_line(w: World, c: str) -> tuple[dict, dict]:
    notice = _new_draft(w)
    return {"notice_id": notice["id"], "line_id": notice["lines"][0]["id"]}, {
        "json": {"reason": "核实无误"}
    }


def _issued_path(w: World, c: str) -> tuple[dict, dict]:
    return {"notice_id": _new_issued(w)}, {"json": {"reason": "数据有误"}}


def _new_case(w: World, c: str) -> tuple[dict, dict]:
    res = w.client.post(
        "/api/veto-cases",
        json=_veto_body(w),
        params={"town_id": w.town.row.id},
        headers=w.headers["supervisor"],
    )
    assert res.status_code == 201, res.text
    return {"case_id": res.json()["id"]}, {"json": {"reason": "已整改"}}


SUP_ONLY = frozenset({"supervisor"})
NAMED_A = frozenset({"leader_a", "supervisor", "admin"})  # an issued notice naming group A

RULES: dict[tuple[str, str], Rule] = {
    # auth
    ("POST", "/api/auth/logout"): Rule(ACTIVE, ok=(204,), disabled_ok=True),
    ("GET", "/api/auth/me"): Rule(ACTIVE),
    # sites, gate windows, checkpoints: admins write, callers read the sites they can see
    ("GET", "/api/sites"): Rule(ACTIVE),
    ("POST", "/api/sites"): Rule(
        ADMIN, ok=(201,), build=_json(lambda w, c: {"name": unique("新学校"), "kind": "school"})
    ),
    ("POST", "/api/sites/import"): Rule(
        ADMIN, ok=(201,), build=_csv(lambda: f"name,kind\n{unique('导入学校')},school\n")
    ),
    ("POST", "/api/users/import"): Rule(
        ADMIN,
        ok=(201,),
        build=_csv(lambda: f"username,display_name,password\n{unique('u')},队员,pw-12345678\n"),
    ),
    ("GET", "/api/sites/sheet.css"): Rule(ACTIVE),
    ("GET", "/api/sites/{site_id}"): Rule(SEES_SITE_A, scoped=True),
    ("PATCH", "/api/sites/{site_id}"): Rule(
        ADMIN, build=_json(lambda w, c: {"address": unique("东风路")})
    ),
    ("POST", "/api/sites/{site_id}/deactivate"): Rule(ADMIN, ids="spare"),
    ("GET", "/api/sites/{site_id}/gate-windows"): Rule(SEES_SITE_A, scoped=True),
    ("POST", "/api/sites/{site_id}/gate-windows"): Rule(
        ADMIN,
        ok=(201,),
        ids="spare",
        build=_json(
            lambda w, c: {"name": "放学", "kind": "dismissal", "starts": "16:30", "ends": "17:30"}
        ),
    ),
    ("PATCH", "/api/sites/{site_id}/gate-windows/{window_id}"): Rule(
        ADMIN, ids="spare", build=_json(lambda w, c: {"name": unique("上学")})
    ),
    ("POST", "/api/sites/{site_id}/gate-windows/{window_id}/deactivate"): Rule(ADMIN, ids="spare"),
    ("GET", "/api/sites/{site_id}/checkpoints"): Rule(SEES_SITE_A, scoped=True),
    ("GET", "/api/sites/{site_id}/checkpoints/sheet"): Rule(SEES_SITE_A, scoped=True),
    ("POST", "/api/sites/{site_id}/checkpoints"): Rule(
        ADMIN,
        ok=(201,),
        ids="spare",
        build=_json(lambda w, c: {"name": "新巡逻点", "code": unique("CP-")}),
    ),
    ("PATCH", "/api/sites/{site_id}/checkpoints/{checkpoint_id}"): Rule(
        ADMIN, ids="spare", build=_json(lambda w, c: {"name": unique("巡逻点")})
    ),
    ("POST", "/api/sites/{site_id}/checkpoints/{checkpoint_id}/deactivate"): Rule(
        ADMIN, ids="spare"
    ),
    # users and devices
    ("GET", "/api/users"): Rule(SUPERVISOR),
    ("POST", "/api/users"): Rule(
        ADMIN,
        ok=(201,),
        build=_json(
            lambda w, c: {
                "username": unique("new"),
                "display_name": "新队员",
                "password": "long-enough-pw",
                "roles": ["member"],
            }
        ),
    ),
    ("GET", "/api/users/{user_id}"): Rule(SUPERVISOR),
    ("PATCH", "/api/users/{user_id}"): Rule(
        ADMIN, ids="spare", build=_json(lambda w, c: {"phone": "13800000000"})
    ),
    ("GET", "/api/devices"): Rule(SUPERVISOR),
    ("POST", "/api/devices/{device_id}/revoke"): Rule(ADMIN, ids="spare"),
    # photos: uploads from any phone (content-addressed), downloads only to who sees the record
    ("GET", "/api/photos/missing"): Rule(ACTIVE),
    ("PUT", "/api/photos/{sha256}"): Rule(ACTIVE, ok=(201,), disabled_ok=True, build=_new_photo),
    ("PATCH", "/api/photos/{sha256}"): Rule(ACTIVE, disabled_ok=True, build=_new_chunk),
    # Upload progress of a hash the caller already knows (size, complete), never the bytes.
    ("GET", "/api/photos/{sha256}/upload"): Rule(ACTIVE, disabled_ok=True),
    ("GET", "/api/photos/{sha256}"): Rule(SEES_SITE_A, scoped=True),
    # one synced record by id: whoever sees its site (others get 404, the id is not confirmed)
    ("GET", "/api/hazards/{hazard_id}"): Rule(SEES_SITE_A, scoped=True),
    ("GET", "/api/sites/{site_id}/visitors"): Rule(
        SEES_SITE_A, scoped=True, build=_params(lambda w, c: {"day": "2026-11-30"})
    ),
    ("GET", "/api/shifts/{shift_id}"): Rule(
        SEES_SITE_A, scoped=True, build=lambda w, c: ({"shift_id": w.ids["a"]["shift"]}, {})
    ),
    # boarding: the town's admin (or the school's own staff) sets up dorms and pupils
    ("GET", "/api/boarding/dormitories"): Rule(SEES_SITE_A, scoped=True, build=_site_a),
    ("POST", "/api/boarding/dormitories"): Rule(
        ADMIN,
        ok=(201,),
        scoped=True,
        build=_json(lambda w, c: {"site_id": w.ids["a"]["site"], "name": unique("女生宿舍")}),
    ),
    ("GET", "/api/boarding/pupils"): Rule(SEES_SITE_A, scoped=True, build=_site_a),
    ("POST", "/api/boarding/pupils"): Rule(
        ADMIN,
        ok=(201,),
        scoped=True,
        build=_json(lambda w, c: {"dormitory_id": w.ids["a"]["dormitory"], "name": "李小红"}),
    ),
    ("PATCH", "/api/boarding/pupils/{pupil_id}"): Rule(
        ADMIN, scoped=True, build=_json(lambda w, c: {"class_name": "初一(2)班"})
    ),
    # villages: the admin sets them up; the four-in-one office (and supervisors) track the
    # disputes (the office's staff are no caller here: tests/test_villages.py)
    ("GET", "/api/villages"): Rule(SUPERVISOR),
    ("POST", "/api/villages"): Rule(
        ADMIN, ok=(201,), build=_json(lambda w, c: {"code": unique("V"), "name": unique("村")})
    ),
    ("POST", "/api/villages/import"): Rule(
        ADMIN, ok=(201,), build=_csv(lambda: f"code,name\n{unique('V')},{unique('导入村')}\n")
    ),
    ("PATCH", "/api/villages/{village_id}"): Rule(
        ADMIN, scoped=True, build=_json(lambda w, c: {"district": unique("管区")})
    ),
    ("POST", "/api/villages/{village_id}/deactivate"): Rule(ADMIN, scoped=True),
    ("POST", "/api/villages/disputes/step"): Rule(
        frozenset({"supervisor"}), scoped=True, build=_dispute_step
    ),
    # police at the gate: the town's admin sets up the posts; officers and gate staff read
    ("GET", "/api/police/posts"): Rule(ACTIVE),
    ("GET", "/api/police/posts/windows"): Rule(ACTIVE),
    ("POST", "/api/police/posts"): Rule(
        ADMIN,
        ok=(201,),
        build=_json(lambda w, c: {"site_id": w.ids["a"]["site"], "department": "traffic_police"}),
    ),
    ("PATCH", "/api/police/posts/{post_id}"): Rule(
        ADMIN, build=_json(lambda w, c: {"active": True})
    ),
    # leadership duty: the school's staff or the town's admin plan; whoever sees the school reads
    ("GET", "/api/duty/plan"): Rule(SEES_SITE_A, scoped=True, build=_site_a),
    ("GET", "/api/duty/cadres"): Rule(SEES_SITE_A, scoped=True, build=_site_a),
    ("PUT", "/api/duty/plan"): Rule(
        ADMIN,
        scoped=True,
        build=_json(
            lambda w, c: {
                "site_id": w.ids["a"]["site"],
                "day": "2026-11-30",
                "cadre_id": w.ids["a"]["member"],
            }
        ),
    ),
    ("DELETE", "/api/duty/plan/{plan_id}"): Rule(ADMIN, ok=(204,), scoped=True),
    # sync
    ("POST", "/api/sync/push"): Rule(ACTIVE, disabled_ok=True, build=_json(_empty_push)),
    ("GET", "/api/sync/pull"): Rule(ACTIVE),
    ("GET", "/api/sync/bootstrap"): Rule(ACTIVE),
    # a phone's exported outbox, handed in by an admin as that phone's user and device
    ("POST", "/api/sync/import"): Rule(ADMIN, build=_json(_outbox_export)),
    # patrol groups: admins manage them, members and leaders read their own
    ("GET", "/api/groups"): Rule(ACTIVE),
    ("POST", "/api/groups"): Rule(
        ADMIN, ok=(201,), build=_json(lambda w, c: {"name": unique("新巡逻组")})
    ),
    ("GET", "/api/groups/{group_id}"): Rule(IN_GROUP_A, scoped=True),
    ("PATCH", "/api/groups/{group_id}"): Rule(
        ADMIN, build=_json(lambda w, c: {"name": unique("东风片区巡逻组")})
    ),
    ("POST", "/api/groups/{group_id}/deactivate"): Rule(
        ADMIN, build=lambda w, c: ({"group_id": w.spare["group_deact"]}, {})
    ),
    ("PUT", "/api/groups/{group_id}/leader"): Rule(
        ADMIN, ids="spare", build=_json(lambda w, c: {"user_id": w.town.users["leader_a"].id})
    ),
    ("POST", "/api/groups/{group_id}/members"): Rule(
        ADMIN,
        ok=(201,),
        ids="spare",
        build=_json(lambda w, c: {"user_id": w.town.users["member_a2"].id}),
    ),
    ("DELETE", "/api/groups/{group_id}/members/{user_id}"): Rule(ADMIN, ids="spare"),
    ("POST", "/api/groups/{group_id}/sites"): Rule(
        ADMIN, ok=(201,), ids="spare", build=_json(lambda w, c: {"site_id": w.town.sites["a2"].id})
    ),
    ("DELETE", "/api/groups/{group_id}/sites/{site_id}"): Rule(ADMIN, ids="spare"),
    # duty rosters: the group's leader plans and submits, supervisors reopen
    ("GET", "/api/rosters"): Rule(ACTIVE),
    ("POST", "/api/rosters"): Rule(
        LEADS_A,
        ok=(201,),
        scoped=True,
        build=_json(
            lambda w, c: {
                "group_id": w.ids["a"]["group"],
                "period_start": "2030-01-01",
                "period_end": "2030-01-07",
            }
        ),
    ),
    ("GET", "/api/rosters/{roster_id}"): Rule(IN_GROUP_A, scoped=True),
    ("POST", "/api/rosters/{roster_id}/shifts"): Rule(
        LEADS_A, ok=(201,), scoped=True, build=_json(lambda w, c: roster_shift_body(w))
    ),
    ("DELETE", "/api/rosters/{roster_id}/shifts/{shift_id}"): Rule(
        LEADS_A,
        ok=(204,),
        scoped=True,
        build=lambda w, c: ({"shift_id": new_roster_shift(w, w.ids["a"]["roster"])}, {}),
    ),
    ("POST", "/api/rosters/{roster_id}/submit"): Rule(
        LEADS_A, scoped=True, build=lambda w, c: ({"roster_id": _roster_with_a_shift(w)}, {})
    ),
    ("POST", "/api/rosters/{roster_id}/reopen"): Rule(
        SUPERVISOR, build=lambda w, c: ({"roster_id": new_roster(w, submitted=True)}, {})
    ),
    # the audit trail: read-only, supervisors
    ("GET", "/api/audit"): Rule(SUPERVISOR),
    # reports, asked for group A
    ("GET", "/api/reports/devices"): Rule(LEADERS),
    ("GET", "/api/reports/logs"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/rosters"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/hazards"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/coverage"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/coverage/summary"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/gate"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/checkpoints"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/visitors"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/boarding"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/villages"): Rule(
        SUPERVISOR, build=_params(lambda w, c: {"month": "2024-11"})
    ),
    # drills and technical defences: the reports; the towns' intervals; the inventory
    ("GET", "/api/reports/drills"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/defences"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/drills/settings"): Rule(ACTIVE),
    ("PUT", "/api/drills/settings"): Rule(
        ADMIN, build=_json(lambda w, c: {"drill_every_days": 90, "lesson_every_days": 30})
    ),
    ("GET", "/api/defences/settings"): Rule(ACTIVE),
    ("PUT", "/api/defences/settings"): Rule(
        ADMIN, build=_json(lambda w, c: {"check_every_days": 30})
    ),
    ("GET", "/api/defences/devices"): Rule(SEES_SITE_A, scoped=True, build=_site_a),
    ("POST", "/api/defences/devices"): Rule(
        ADMIN,
        ok=(201,),
        scoped=True,
        build=_json(
            lambda w, c: {"site_id": w.ids["a"]["site"], "kind": "camera", "name": unique("摄像头")}
        ),
    ),
    ("PATCH", "/api/defences/devices/{defence_device_id}"): Rule(
        ADMIN, scoped=True, build=_json(lambda w, c: {"location": "校门口"})
    ),
    ("GET", "/api/reports/police"): Rule(LEADERS_A, scoped=True, build=_group_a),
    ("GET", "/api/reports/duty"): Rule(LEADERS_A, scoped=True, build=_group_a),
    # every leader and supervisor: each sees the subjects within her own reach
    ("GET", "/api/reports/assessment"): Rule(
        LEADERS, build=_params(lambda w, c: {"from": "2026-01-01", "to": "2026-12-31"})
    ),
    # notices (通报): a town's supervisors draft, review, issue and withdraw; the office and
    # whoever an issued notice names read it; veto cases: supervisors record, the office reads
    ("GET", "/api/notices/areas"): Rule(ACTIVE),
    ("GET", "/api/notices"): Rule(ACTIVE),
    ("POST", "/api/notices"): Rule(
        SUP_ONLY, ok=(201,), build=_json(lambda w, c: {"area": "gate", **NOTICE_WEEK})
    ),
    ("GET", "/api/notices/{notice_id}"): Rule(NAMED_A, scoped=True),
    ("GET", "/api/notices/{notice_id}/export"): Rule(NAMED_A, scoped=True),
    ("PATCH", "/api/notices/{notice_id}"): Rule(
        SUP_ONLY,
        scoped=True,
        build=lambda w, c: (_draft_path(w, c)[0], {"json": {"remark": "请整改"}}),
    ),
    ("POST", "/api/notices/{notice_id}/lines/{line_id}/drop"): Rule(
        SUP_ONLY, scoped=True, build=_draft_line
    ),
    ("POST", "/api/notices/{notice_id}/lines/{line_id}/restore"): Rule(
        SUP_ONLY, scoped=True, build=lambda w, c: (_draft_line(w, c)[0], {})
    ),
    ("POST", "/api/notices/{notice_id}/issue"): Rule(SUP_ONLY, scoped=True, build=_draft_path),
    ("POST", "/api/notices/{notice_id}/withdraw"): Rule(SUP_ONLY, scoped=True, build=_issued_path),
    ("GET", "/api/veto-cases"): Rule(SUPERVISOR),
    ("POST", "/api/veto-cases"): Rule(
        SUP_ONLY,
        ok=(201,),
        scoped=True,
        build=lambda w, c: ({}, {"json": _veto_body(w), "params": {"town_id": w.town.row.id}}),
    ),
    ("POST", "/api/veto-cases/{case_id}/withdraw"): Rule(SUP_ONLY, scoped=True, build=_new_case),
    # towns: supervisors and admins list the towns within reach; only a county admin adds one
    # (none of the callers here is: tests/test_towns_office.py has her)
    ("GET", "/api/towns"): Rule(SUPERVISOR),
    ("POST", "/api/towns"): Rule(
        frozenset(),
        ok=(201,),
        build=_json(lambda w, c: {"code": unique("t").lower(), "name": "新镇"}),
    ),
}


# The town dimension. Every id the rules above use is of the first town (group A's, B's,
# spares); callers of a second town of the same county get, on those, what a caller of their
# role with no tie to the object gets, and 404 where their role alone would pass: another
# town's site, group, account or record is as absent as one that does not exist. The routes
# below name nothing of a town: there they fare as their role does at home.
OTHER_TOWN = {  # caller -> the first town's caller of the same standing
    "admin_other_town": "admin",
    "supervisor_other_town": "supervisor",
    "member_other_town": "member_b",  # a member, in no group of the first town
}
COUNTY = {"county_supervisor": "supervisor"}  # her account lives in the second town
ALL_CALLERS = (*CALLERS, *OTHER_TOWN, *COUNTY)
TOWN_FREE = {
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/me"),
    ("GET", "/api/sites"),
    ("POST", "/api/sites"),
    ("POST", "/api/sites/import"),
    ("POST", "/api/users/import"),
    ("GET", "/api/sites/sheet.css"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("GET", "/api/devices"),
    ("GET", "/api/photos/missing"),
    ("PUT", "/api/photos/{sha256}"),  # new bytes under their own hash
    ("PATCH", "/api/photos/{sha256}"),
    ("GET", "/api/photos/{sha256}/upload"),  # progress of a hash the caller already knows
    ("POST", "/api/sync/push"),
    ("GET", "/api/sync/pull"),
    ("GET", "/api/sync/bootstrap"),
    ("GET", "/api/groups"),
    ("POST", "/api/groups"),
    ("GET", "/api/rosters"),
    ("GET", "/api/audit"),
    ("GET", "/api/reports/devices"),
    ("GET", "/api/reports/assessment"),
    ("GET", "/api/notices/areas"),
    ("GET", "/api/notices"),  # each sees her own town's
    ("POST", "/api/notices"),  # a draft of the caller's own town
    ("GET", "/api/veto-cases"),
    ("GET", "/api/towns"),  # each caller's own reach
    ("POST", "/api/towns"),
    ("GET", "/api/villages"),  # the caller's own town's villages
    ("POST", "/api/villages"),
    ("POST", "/api/villages/import"),
    ("GET", "/api/reports/villages"),
    ("GET", "/api/drills/settings"),  # the caller's own town's
    ("PUT", "/api/drills/settings"),
    ("GET", "/api/defences/settings"),
    ("PUT", "/api/defences/settings"),
    ("GET", "/api/police/posts"),  # the caller's own town's
    ("GET", "/api/police/posts/windows"),
}
# A photo is named by the SHA-256 of its bytes: whoever can name one has seen it, so it
# answers 403 (not yours) rather than 404.
BY_CONTENT = {("GET", "/api/photos/{sha256}")}


def app_routes() -> set[tuple[str, str]]:
    """(method, path template) of every API route of the app, public ones excluded."""
    found = set()
    for ctx in iter_route_contexts(create_app().routes):
        if isinstance(ctx.original_route, APIRoute):
            for method in ctx.methods - {"HEAD", "OPTIONS"}:
                found.add((method, ctx.path))
    return found - PUBLIC


def test_every_route_has_a_rule_and_every_rule_a_route():
    routes = app_routes()
    assert len(routes) >= 30  # the enumeration itself works
    without_rule = sorted(routes - RULES.keys())
    without_route = sorted(RULES.keys() - routes)
    assert not without_rule, f"routes nobody decided who may call: {without_rule}"
    assert not without_route, f"rules for routes that no longer exist: {without_route}"


def expected(rule: Rule, caller: str, route: tuple[str, str] | None = None) -> set[int]:
    if caller in COUNTY:
        return expected(rule, COUNTY[caller])
    if caller in OTHER_TOWN:
        peer = OTHER_TOWN[caller]
        if route in TOWN_FREE:
            return expected(rule, peer)
        if peer in rule.allow and route not in BY_CONTENT:
            return {404}
        return {403, 404}
    if caller in ("anonymous", "expired"):
        return {401}
    if caller == "disabled":
        return set(rule.ok) if rule.disabled_ok else {403}
    if caller in rule.allow:
        return set(rule.ok)
    return {403, 404} if rule.scoped else {403}


def path_values(world: World, source: str) -> dict:
    if source == "spare":
        s = world.spare
        return {
            "site_id": s["site"],
            "checkpoint_id": s["checkpoint"],
            "window_id": s["window"],
            "device_id": s["device"],
            "user_id": s["user"],
            "group_id": s["group"],
        }
    ids = world.ids[source]
    values = {f"{k}_id": v for k, v in ids.items()}
    values.update(
        sha256=ids["photo"],
        user_id=ids["member"],
        device_id=world.devices["member_" + source],
        shift_id=ids["roster_shift"],  # the {shift_id} of roster routes is a planned shift
    )
    return values


def call(client, world: World, method: str, path: str, rule: Rule, caller: str, prepared=None):
    """One request; `prepared` is an already built (path values, kwargs) pair."""
    if prepared is None:
        prepared = rule.build(world, caller) if rule.build else ({}, {})
    extra, kwargs = prepared
    url = path.format(**{**path_values(world, rule.ids), **extra})
    return client.request(method, url, headers=world.headers[caller], **kwargs)


@pytest.fixture
def world(client, session, town) -> World:
    world = build_world(client, town)
    # Built after the first town's phones logged in by bare name: the second town reuses
    # the usernames, so its people log in as name@town-code.
    second = build_second_town(session)
    add_county_supervisor(session, second)
    logins = {
        "admin_other_town": "admin@xishan",
        "supervisor_other_town": "supervisor@xishan",
        "member_other_town": "member_a1@xishan",
        "county_supervisor": "county_supervisor",
    }
    for caller, name in logins.items():
        world.headers[caller] = bearer(login_tokens(client, name, f"dev-{caller}")["access_token"])
    world.second = second
    world.ids["a"]["notice"] = _new_issued(world, only_group=world.ids["a"]["group"])
    return world


def test_every_route_answers_every_caller_as_the_rules_say(client, world, capsys):
    routes = app_routes()
    mismatches, checked = [], 0
    # logout ends the caller's session at once, so it is asked last
    last = ("POST", "/api/auth/logout")
    for method, path in sorted(routes & RULES.keys(), key=lambda r: (r == last, r)):
        rule = RULES[(method, path)]
        for caller in ALL_CALLERS:
            res = call(client, world, method, path, rule, caller)
            checked += 1
            want = expected(rule, caller, (method, path))
            if res.status_code not in want:
                mismatches.append(
                    f"{method} {path} as {caller}: {res.status_code} (want {sorted(want)}) "
                    f"{res.text[:160]}"
                )
            elif res.status_code in (401, 403, 404):
                # refusals use the one error shape, never an HTML page or a stack trace
                assert res.json()["error"]["code"] in (
                    "not_authenticated",
                    "forbidden",
                    "not_found",
                ), res.text
    with capsys.disabled():
        print(
            f"\nauthz matrix: {len(routes & RULES.keys())} routes x {len(ALL_CALLERS)} callers "
            f"= {checked} checks"
        )
    assert not mismatches, "\n".join(mismatches)
    assert checked == len(routes & RULES.keys()) * len(ALL_CALLERS)


@pytest.mark.parametrize("outsider", ["member_b", "leader_b"])
def test_group_b_cannot_read_or_change_group_a_records_by_id(client, world, session, outsider):
    headers, a = world.headers[outsider], world.ids["a"]
    # reading A's photo, site, checkpoints and reports by id
    for url in (
        f"/api/photos/{a['photo']}",
        f"/api/sites/{a['site']}",
        f"/api/sites/{a['site']}/checkpoints",
        f"/api/sites/{a['site']}/gate-windows",
        f"/api/sites/{a['site']}/checkpoints/sheet",
    ):
        res = client.get(url, headers=headers)
        assert res.status_code in (403, 404), (url, res.status_code)
    for report in ("coverage", "coverage/summary", "gate"):
        for params in ({"site_id": a["site"]}, {"group_id": a["group"]}):
            res = client.get(f"/api/reports/{report}", params=params, headers=headers)
            assert res.status_code in (403, 404), (report, params, res.status_code)
    # overwriting A's photo with other bytes under its name
    res = client.put(f"/api/photos/{a['photo']}", content=png_bytes(), headers=headers)
    assert res.status_code in (403, 404, 409, 422), res.status_code
    assert (
        client.get(f"/api/photos/{a['photo']}", headers=world.headers["admin"]).content
        == (world.photos[a["photo"]])
    )
    # A's records never reach B's phones
    changes, _ = pull_all(client, headers)
    assert changes, "B's own records are pulled"
    assert all(c["site_id"] != a["site"] for c in changes)
    assert not {c["id"] for c in changes} & {a["shift"], a["hazard"], a["visitor"], a["scan"]}
    # changing A's records through the sync push: each mutation refused, nothing changed
    attempts = [
        mut("shift.end", {"shift_id": a["shift"], "note": "改掉"}),
        mut("shift.scan", {"shift_id": a["shift"], "checkpoint_code": "B-CP1"}),
        mut("shift.review", {"shift_id": a["shift"], "decision": "return", "comment": "x"}),
        mut(
            "hazard.transition",
            {
                "hazard_id": a["hazard"],
                "action": "assign",
                "department": "police_station",
                "due_date": "2030-01-01",
            },
        ),
        mut(
            "hazard.transition",
            {"hazard_id": a["hazard"], "action": "rectify", "photos": [a["photo"]]},
        ),
        mut("visitor.leave", {"visitor_id": a["visitor"]}),
    ]
    results = push(client, headers, attempts)
    assert [r["status"] for r in results] == ["rejected"] * len(attempts), results
    session.rollback()
    assert session.get(PatrolShift, a["shift"]).status == "confirmed"
    assert session.get(Hazard, a["hazard"]).status == "reported"
    assert session.get(VisitorEntry, a["visitor"]).time_out is None
    assert session.exec(select(Hazard.id).where(Hazard.site_id == a["site"])).all() == [a["hazard"]]


def test_another_towns_admin_sees_none_of_this_town_and_ids_answer_as_if_absent(client, world):
    admin, a = world.headers["admin_other_town"], world.ids["a"]
    first_town_sites = {s.id for s in world.town.sites.values()} | {world.spare["site"]}
    listed = {
        "sites": {s["id"] for s in client.get("/api/sites", headers=admin).json()},
        "groups": {g["id"] for g in client.get("/api/groups", headers=admin).json()},
        "users": {u["id"] for u in client.get("/api/users", headers=admin).json()},
    }
    assert listed["sites"] == {s.id for s in world.second.sites.values()}
    assert not listed["sites"] & first_town_sites
    assert listed["groups"] == {g.id for g in world.second.groups.values()}
    assert listed["users"] == {u.id for u in world.second.users.values()}
    assert not {e["town_id"] for e in client.get("/api/audit", headers=admin).json()} - {
        world.second.row.id
    }
    for url in (
        f"/api/sites/{a['site']}",
        f"/api/users/{a['member']}",
        f"/api/groups/{a['group']}",
    ):
        mine, absent = client.get(url, headers=admin), client.get(url + "999", headers=admin)
        assert (mine.status_code, absent.status_code) == (404, 404), url
        assert mine.json()["error"]["code"] == absent.json()["error"]["code"] == "not_found"
    # none of this town's records reach that town's phones, not even its supervisor's
    for caller in ("admin_other_town", "supervisor_other_town"):
        changes, _ = pull_all(client, world.headers[caller])
        assert not {c["site_id"] for c in changes} & first_town_sites, caller
        boot = client.get("/api/sync/bootstrap", headers=world.headers[caller]).json()
        assert not {s["id"] for s in boot["sites"]} & first_town_sites, caller
    # the same checkpoint code and usernames live in both towns
    second_codes = {cp.code for cps in world.second.checkpoints.values() for cp in cps}
    assert second_codes & {cp.code for cps in world.town.checkpoints.values() for cp in cps}


def test_a_county_supervisor_reads_both_towns_reports_but_pulls_no_records(client, world):
    county = world.headers["county_supervisor"]
    names = {s["name"] for s in client.get("/api/sites", headers=county).json()}
    assert {"东风小学", "西山小学"} <= names
    for group in (world.ids["a"]["group"], world.second.groups["a"].id):
        res = client.get("/api/reports/hazards", params={"group_id": group}, headers=county)
        assert res.status_code == 200, res.text
    assert client.get("/api/reports/hazards", headers=county).json()["hazards"]
    changes, _ = pull_all(client, county)
    assert changes == []
    boot = client.get("/api/sync/bootstrap", headers=county).json()
    assert boot["sites"] == [] and boot["groups"] == []
