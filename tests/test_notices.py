"""Public notices (通报) and one-vote-veto cases (一票否决): drafted from the reports' own
figures, reviewed, numbered per town and year, immutable once issued, withdrawn only with a
reason; read by the office and by those they name; counted in the year-end assessment
(notices informational, veto cases as vetoes)."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.errors import Conflict, Invalid
from app.groups.membership import scope_of
from app.notices import areas, rules
from app.notices.models import Notice, NoticeStatus
from app.reports.assessment import assessment
from app.reports.gate import gate as gate_report
from app.reports.rosters import rosters as roster_report
from app.sites.models import Site
from tests.factories import add_user
from tests.sync_helpers import SHANGHAI, mut, push

# A past week, whatever day the tests run: every window of it has ended, no roster exists.
WEEK = (date(2024, 11, 25), date(2024, 12, 1))
PERIOD = {"date_from": WEEK[0].isoformat(), "date_to": WEEK[1].isoformat()}


# --- the rules -------------------------------------------------------------------------------


def test_an_issued_notice_is_numbered_per_town_and_year():
    assert rules.notice_number("青山镇", 2026, 3) == "青山镇〔2026〕3号"


def test_only_a_draft_changes_and_only_an_issued_notice_is_withdrawn():
    draft = Notice(
        town_id=1, area="gate", date_from=WEEK[0], date_to=WEEK[1], title="t", drafted_by=1
    )
    rules.check_draft(draft)
    with pytest.raises(Conflict):
        rules.check_withdrawable(draft)
    issued = draft.model_copy(
        update={"status": NoticeStatus.issued.value, "number": "x〔2026〕1号"}
    )
    with pytest.raises(Conflict) as raised:
        rules.check_draft(issued)
    assert "已印发" in raised.value.message_zh
    rules.check_withdrawable(issued)
    withdrawn = draft.model_copy(update={"status": NoticeStatus.withdrawn.value})
    with pytest.raises(Conflict):
        rules.check_draft(withdrawn)
    with pytest.raises(Conflict):
        rules.check_withdrawable(withdrawn)
    with pytest.raises(Invalid):
        rules.check_issuable(0)


def test_an_area_without_a_label_or_registered_twice_fails_loudly():
    def lines(*_):
        return []

    with pytest.raises(ValueError, match="label"):
        areas.register(areas.Area("drills", "", "Drills", lines))
    with pytest.raises(ValueError, match="label"):
        areas.register(areas.Area("drills", "应急演练", " ", lines))
    with pytest.raises(ValueError, match="twice"):
        areas.register(areas.Area("gate", "校门口", "Gate", lines))
    assert "drills" not in areas.AREAS
    with pytest.raises(LookupError):
        areas.area("drills")  # a stored notice of an unregistered area: no blank label
    with pytest.raises(Invalid):
        areas.asked_area("drills")  # a client asking for one: 422


# --- drafted from the reports' figures ---------------------------------------------------------


def _draft(client, headers, area, **extra):
    return client.post("/api/notices", json={"area": area, **PERIOD, **extra}, headers=headers)


def test_a_gate_draft_lists_exactly_the_gate_reports_shortfalls(client, session, town, login):
    res = _draft(client, login("supervisor"), "gate")
    assert res.status_code == 201, res.text
    notice = res.json()
    assert notice["status"] == "draft" and notice["number"] is None
    sites = [s for s in session.exec(select(Site)).all() if s.kind != "key_place"]
    report = gate_report(session, sites=sites, date_from=WEEK[0], date_to=WEEK[1], now=_now())
    want = {f"gate:{w.window_id}:{w.date}" for w in report.shortfalls}
    assert want, "the week has ended windows nobody stood"
    assert {line["ref"] for line in notice["lines"]} == want
    assert all(line["subject_kind"] == "school" for line in notice["lines"])


def test_a_roster_draft_names_the_groups_the_roster_report_lists(client, session, town, login):
    res = _draft(client, login("supervisor"), "rosters")
    assert res.status_code == 201, res.text
    groups = [town.groups["a"].id, town.groups["b"].id]
    report = roster_report(
        session, group_ids=groups, date_from=WEEK[0], date_to=WEEK[1], now=_now()
    )
    want = {(str(n.group_id), n.issue) for n in report.notice if n.issue != "absent"}
    assert want == {(str(g), "no_roster") for g in groups}
    got = {(line["subject_id"], line["issue"]) for line in res.json()["lines"]}
    assert got == want


def test_a_draft_of_an_unknown_area_or_a_reversed_period_is_refused_in_both_languages(
    client, town, login
):
    sup = login("supervisor")
    res = _draft(client, sup, "drills")
    assert res.status_code == 422 and res.json()["error"]["message_zh"]
    res = client.post(
        "/api/notices",
        json={"area": "gate", "date_from": "2024-12-01", "date_to": "2024-11-25"},
        headers=sup,
    )
    assert res.status_code == 422 and "结束日期" in res.json()["error"]["message_zh"]


def test_only_a_supervisor_drafts_a_notice(client, town, login):
    for who in ("admin", "leader_a", "member_a1"):
        assert _draft(client, login(who), "gate").status_code == 403, who


# --- review, issue, withdraw -----------------------------------------------------------------


def test_review_then_issue_numbers_it_and_from_then_on_it_never_changes(
    client, session, town, login
):
    sup = login("supervisor")
    notice = _draft(client, sup, "rosters").json()
    first, second = notice["lines"]
    res = client.post(
        f"/api/notices/{notice['id']}/lines/{first['id']}/drop", json={"reason": ""}, headers=sup
    )
    assert res.status_code == 422  # a drop needs its reason
    res = client.post(
        f"/api/notices/{notice['id']}/lines/{first['id']}/drop",
        json={"reason": "该组本周停训，已另行报备"},
        headers=sup,
    )
    assert res.status_code == 200, res.text
    res = client.patch(
        f"/api/notices/{notice['id']}", json={"remark": "请各组于下周一前整改到位。"}, headers=sup
    )
    assert res.status_code == 200 and res.json()["remark"] == "请各组于下周一前整改到位。"
    res = client.post(f"/api/notices/{notice['id']}/issue", headers=sup)
    assert res.status_code == 200, res.text
    issued = res.json()
    year = datetime.fromisoformat(issued["issued_at"]).astimezone(SHANGHAI).year
    assert issued["status"] == "issued"
    assert issued["number"] == f"{town.row.name}〔{year}〕1号"
    dropped = {line["id"]: line for line in issued["lines"]}[first["id"]]
    assert dropped["dropped"] and dropped["drop_reason"] == "该组本周停训，已另行报备"
    # immutable: no remark, no line, no second issue
    for method, url, body in (
        ("PATCH", f"/api/notices/{notice['id']}", {"remark": "改"}),
        ("POST", f"/api/notices/{notice['id']}/lines/{second['id']}/drop", {"reason": "x"}),
        ("POST", f"/api/notices/{notice['id']}/lines/{first['id']}/restore", None),
        ("POST", f"/api/notices/{notice['id']}/issue", None),
    ):
        res = client.request(method, url, json=body, headers=sup)
        assert res.status_code == 409, (method, url, res.text)
        assert res.json()["error"]["message_zh"]
    # the next one of the town and year is number 2
    other = _draft(client, sup, "gate").json()
    res = client.post(f"/api/notices/{other['id']}/issue", headers=sup)
    second_year = datetime.fromisoformat(res.json()["issued_at"]).astimezone(SHANGHAI).year
    seq = 2 if second_year == year else 1  # a new year starts at 1
    assert res.json()["number"] == f"{town.row.name}〔{second_year}〕{seq}号", res.text
    # withdrawn only with a reason; the number and the reason are kept
    res = client.post(f"/api/notices/{notice['id']}/withdraw", json={"reason": " "}, headers=sup)
    assert res.status_code == 422
    res = client.post(
        f"/api/notices/{notice['id']}/withdraw", json={"reason": "数据有误，重新核实"}, headers=sup
    )
    assert res.status_code == 200, res.text
    gone = res.json()
    assert gone["status"] == "withdrawn" and gone["number"] == issued["number"]
    assert gone["withdraw_reason"] == "数据有误，重新核实" and gone["withdrawn_by_name"]
    res = client.post(f"/api/notices/{notice['id']}/withdraw", json={"reason": "再撤"}, headers=sup)
    assert res.status_code == 409
    session.rollback()
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.entity.in_(["notice", "notice_line"]))
    ).all()
    for action in (
        "notice.draft",
        "notice.line_drop",
        "notice.update",
        "notice.issue",
        "notice.withdraw",
    ):
        assert action in actions, action


def test_a_notice_with_every_line_dropped_is_not_issued(client, town, login):
    sup = login("supervisor")
    notice = _draft(client, sup, "rosters").json()
    for line in notice["lines"]:
        client.post(
            f"/api/notices/{notice['id']}/lines/{line['id']}/drop",
            json={"reason": "核实无误"},
            headers=sup,
        )
    res = client.post(f"/api/notices/{notice['id']}/issue", headers=sup)
    assert res.status_code == 422 and res.json()["error"]["message_zh"]


# --- who reads ---------------------------------------------------------------------------------


def _issued_roster_notice(client, sup, drop_group=None):
    notice = _draft(client, sup, "rosters").json()
    for line in notice["lines"]:
        if line["subject_id"] == str(drop_group):
            client.post(
                f"/api/notices/{notice['id']}/lines/{line['id']}/drop",
                json={"reason": "另行处理"},
                headers=sup,
            )
    return notice, client.post(f"/api/notices/{notice['id']}/issue", headers=sup).json()


def test_an_issued_notice_is_read_by_the_office_and_the_leaders_it_names_only(
    client, session, town, login
):
    sup = login("supervisor")
    draft = _draft(client, sup, "rosters").json()
    # a draft: supervisors only
    for who in ("leader_a", "admin"):
        assert client.get(f"/api/notices/{draft['id']}", headers=login(who)).status_code == 404
    notice, issued = _issued_roster_notice(client, sup, drop_group=town.groups["b"].id)
    url = f"/api/notices/{notice['id']}"
    leader_a, leader_b = login("leader_a"), login("leader_b")
    assert client.get(url, headers=login("admin")).status_code == 200
    seen = client.get(url, headers=leader_a)
    assert seen.status_code == 200
    # a reader outside the office sees the kept lines only, never a dropped one or its reason
    assert [line["subject_id"] for line in seen.json()["lines"]] == [str(town.groups["a"].id)]
    assert client.get(url, headers=leader_b).status_code == 404  # B's line was dropped
    assert client.get(url, headers=login("member_a1")).status_code == 404
    listed = client.get("/api/notices", headers=leader_a).json()
    assert [n["id"] for n in listed] == [notice["id"]]
    assert client.get("/api/notices", headers=leader_b).json() == []
    office = client.get("/api/notices", headers=sup).json()
    assert {n["id"] for n in office} == {draft["id"], notice["id"]}
    export = client.get(f"{url}/export", params={"format": "csv"}, headers=leader_a)
    assert export.status_code == 200, export.text
    text = export.content.decode("utf-8-sig")
    assert issued["number"] in text and town.groups["a"].name in text
    assert town.groups["b"].name not in text
    assert client.get(f"{url}/export", headers=leader_b).status_code == 404
    xlsx = client.get(f"{url}/export", params={"format": "xlsx"}, headers=sup)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_schools_staff_read_the_notices_naming_their_school(client, session, town, login):
    add_user(
        session, town, "staff_a", "宿管 周老师", ["school_staff"], home_site_id=town.sites["a"].id
    )
    add_user(
        session, town, "staff_b", "宿管 吴老师", ["school_staff"], home_site_id=town.sites["b"].id
    )
    session.commit()
    sup = login("supervisor")
    notice = _draft(client, sup, "gate").json()
    named = {line["subject_id"] for line in notice["lines"]}
    assert str(town.sites["a"].id) in named
    for line in notice["lines"]:
        if line["subject_id"] == str(town.sites["b"].id):
            client.post(
                f"/api/notices/{notice['id']}/lines/{line['id']}/drop",
                json={"reason": "当周停课"},
                headers=sup,
            )
    assert client.post(f"/api/notices/{notice['id']}/issue", headers=sup).status_code == 200
    url = f"/api/notices/{notice['id']}"
    assert client.get(url, headers=login("staff_a")).status_code == 200
    assert client.get(url, headers=login("staff_b")).status_code == 404


# --- veto cases and the assessment -------------------------------------------------------------


def _scope(session, username="supervisor"):
    user = session.exec(select(User).where(User.username == username)).one()
    return scope_of(session, user)


def _now():
    from app.db import utcnow

    return utcnow()


def _subject(report, kind, subject_id):
    [s] = [s for s in report.subjects if (s.subject_kind, s.subject_id) == (kind, str(subject_id))]
    return s


def test_the_assessment_lists_a_groups_notices_without_moving_its_score(
    client, session, town, login
):
    sup = login("supervisor")
    group = town.groups["a"].id

    def report():
        session.rollback()
        return assessment(
            session,
            scope=_scope(session),
            date_from=date(2024, 1, 1),
            date_to=date(2024, 12, 31),
            now=_now(),
        )

    before = _subject(report(), "group", group)
    notice, issued = _issued_roster_notice(client, sup)
    after = _subject(report(), "group", group)
    assert after.score == before.score and after.veto is False
    [line] = [line for line in after.lines if line.criterion == "notices"]
    assert line.due == 0 and issued["number"] in line.detail_zh
    # a draft is never counted; a withdrawn notice is listed as withdrawn
    _draft(client, sup, "rosters")
    client.post(f"/api/notices/{notice['id']}/withdraw", json={"reason": "有误"}, headers=sup)
    [line] = [
        line for line in _subject(report(), "group", group).lines if line.criterion == "notices"
    ]
    assert "已撤销" in line.detail_zh and line.label_zh.startswith("被通报 0 次")
    # a notice of another year's period is not this year's
    other_year = assessment(
        session,
        scope=_scope(session),
        date_from=date(2025, 1, 1),
        date_to=date(2025, 12, 31),
        now=_now(),
    )
    assert not [s for s in other_year.subjects if any(x.criterion == "notices" for x in s.lines)]


def test_a_veto_case_vetoes_its_subject_until_withdrawn_then_it_is_listed_not_counted(
    client, session, town, login
):
    sup = login("supervisor")
    [hazard] = [
        mut(
            "hazard.report",
            {
                "site_id": town.sites["a"].id,
                "category": "fire",
                "severity": "high",
                "description": "配电房堆放杂物",
            },
        )
    ]
    assert push(client, login("member_a1"), [hazard])[0]["status"] == "applied"
    body = {
        "subject_kind": "school",
        "subject_id": str(town.sites["a"].id),
        "occurred_on": "2024-11-28",
        "reason": "重大火灾隐患经督查两次通报仍未整改",
        "evidence_kind": "hazard",
        "evidence_ref": hazard["id"],
    }
    for who in ("admin", "leader_a"):
        assert client.post("/api/veto-cases", json=body, headers=login(who)).status_code == 403
    res = client.post("/api/veto-cases", json=body, headers=sup)
    assert res.status_code == 201, res.text
    case = res.json()
    assert case["subject_name"] == town.sites["a"].name and "配电房" in case["evidence_label"]

    def school():
        session.rollback()
        report = assessment(
            session,
            scope=_scope(session),
            date_from=date(2024, 1, 1),
            date_to=date(2024, 12, 31),
            now=_now(),
        )
        return report, _subject(report, "school", town.sites["a"].id)

    report, subject = school()
    assert subject.veto and report.subjects[0] is subject  # a vetoed subject comes first
    res = client.post(f"/api/veto-cases/{case['id']}/withdraw", json={"reason": ""}, headers=sup)
    assert res.status_code == 422
    res = client.post(
        f"/api/veto-cases/{case['id']}/withdraw", json={"reason": "隐患已于当日整改"}, headers=sup
    )
    assert res.status_code == 200 and res.json()["withdrawn"]
    _, subject = school()
    assert not subject.veto
    [line] = [x for x in subject.lines if x.criterion == "veto_case_withdrawn"]
    assert line.due == 0 and "隐患已于当日整改" in line.detail_zh
    listed = client.get("/api/veto-cases", params={"from": "2024-01-01"}, headers=sup).json()
    assert [(c["id"], c["withdrawn"]) for c in listed] == [(case["id"], True)]
    assert client.get("/api/veto-cases", headers=login("leader_a")).status_code == 403
    session.rollback()
    actions = set(
        session.exec(select(AuditEvent.action).where(AuditEvent.entity == "veto_case")).all()
    )
    assert actions == {"veto_case.create", "veto_case.withdraw"}


def test_a_veto_case_needs_evidence_of_its_own_town_and_a_subject_of_it(
    client, session, town, login
):
    sup = login("supervisor")
    base = {
        "subject_kind": "group",
        "subject_id": str(town.groups["a"].id),
        "occurred_on": "2024-11-28",
        "reason": "值班人员多次未到岗",
    }
    bad = [
        {**base, "evidence_kind": "notice", "evidence_ref": "999999"},
        {**base, "evidence_kind": "hazard", "evidence_ref": "0190f5c2-7b1e-7a11-8f00-3c5d2e4f6a7b"},
        {**base, "evidence_kind": "rumour", "evidence_ref": "1"},
        {**base, "subject_id": "999999", "evidence_kind": "notice", "evidence_ref": "1"},
        {
            **base,
            "subject_kind": "department",
            "subject_id": "fire_brigade",
            "evidence_kind": "notice",
            "evidence_ref": "1",
        },
    ]
    for body in bad:
        res = client.post("/api/veto-cases", json=body, headers=sup)
        assert res.status_code == 422, (body, res.text)
        assert res.json()["error"]["message_zh"]
    draft = _draft(client, sup, "rosters").json()
    res = client.post(
        "/api/veto-cases",
        json={**base, "evidence_kind": "notice", "evidence_ref": str(draft["id"])},
        headers=sup,
    )
    assert res.status_code == 422  # a draft is no evidence
    _, issued = _issued_roster_notice(client, sup)
    res = client.post(
        "/api/veto-cases",
        json={**base, "evidence_kind": "notice", "evidence_ref": str(issued["id"])},
        headers=sup,
    )
    assert res.status_code == 201, res.text
    assert res.json()["evidence_label"] == issued["number"]
