"""Village dispute screening (矛盾纠纷排查表): the villages (office side, audited, CSV import),
the monthly form handed in by the village's cadre on the phone (sync), the four-in-one
office's tracking of each dispute (化解), the month-end notice (月底通报) and the assessment."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.groups.membership import scope_of
from app.records.errors import Conflicted, Rejected, Rule
from app.reports.villages import assessment_lines, months_due, village_report
from app.towns.models import Department, Village
from app.villages import rules
from app.villages.models import DisputeStatus, VillageForm
from tests.factories import add_county_supervisor, add_user, build_second_town
from tests.sync_helpers import SHANGHAI, mut, pull_all, push

TZ = "Asia/Shanghai"
MONTH = "2024-11"  # long past, whatever day the tests run


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# --- the rules, over plain facts ------------------------------------------------------------


def test_a_form_is_on_time_to_the_end_of_the_17th_local_and_late_from_the_18th():
    assert rules.on_time(MONTH, local(2024, 11, 17, 23, 59), TZ)
    assert not rules.on_time(MONTH, local(2024, 11, 18, 0, 0), TZ)
    # 16:30 UTC on the 17th is already 00:30 on the 18th in Shanghai: late
    assert not rules.on_time(MONTH, datetime(2024, 11, 17, 16, 30, tzinfo=UTC), TZ)
    assert rules.on_time(MONTH, datetime(2024, 11, 17, 15, 59, tzinfo=UTC), TZ)


def test_no_form_is_pending_then_overdue_after_the_17th_and_missing_at_month_end():
    assert rules.form_state(MONTH, None, local(2024, 11, 17, 12), TZ) == "pending"
    assert rules.form_state(MONTH, None, local(2024, 11, 18, 0, 1), TZ) == "overdue"
    assert rules.form_state(MONTH, None, local(2024, 11, 30, 23, 59), TZ) == "overdue"
    assert rules.form_state(MONTH, None, local(2024, 12, 1, 0, 0), TZ) == "missing"
    handed = local(2024, 11, 20)
    assert rules.form_state(MONTH, handed, local(2025, 1, 1), TZ) == "late"
    assert rules.form_state(MONTH, local(2024, 11, 3), local(2025, 1, 1), TZ) == "on_time"


def test_the_month_is_written_yyyy_mm_and_must_have_begun():
    for bad in ("2024-13", "2024-1", "24-11", "1999-12", "2024/11"):
        with pytest.raises(Rejected):
            rules.parse_month(bad)
    rules.check_month_begun(MONTH, local(2024, 11, 1, 0, 0), TZ)
    with pytest.raises(Rejected) as raised:
        rules.check_month_begun("2024-12", local(2024, 11, 30, 23, 59), TZ)
    assert "尚未开始" in raised.value.message_zh


def test_an_older_copy_of_a_form_loses_to_the_stored_later_one():
    rules.check_newer(local(2024, 11, 5), local(2024, 11, 6), "青山村", MONTH)
    with pytest.raises(Conflicted) as raised:
        rules.check_newer(local(2024, 11, 6), local(2024, 11, 5), "青山村", MONTH)
    assert raised.value.rule == Rule.form_superseded


def test_a_dispute_is_listed_once_and_one_settled_in_the_village_starts_resolved():
    rows = rules.disputes_of([("k1", " 宅基地边界 ", "张三、李四", "land", False)])
    assert rows[0]["summary"] == "宅基地边界"
    with pytest.raises(Rejected):
        rules.disputes_of([("k1", "a", "", "land", False), ("k1", "b", "", "family", True)])
    assert rules.initial_status(True) == DisputeStatus.resolved
    assert rules.initial_status(False) == DisputeStatus.open


def test_the_offices_steps_go_open_resolving_resolved_and_reopen_with_a_note():
    rules.check_step(DisputeStatus.open, DisputeStatus.resolving, "")
    rules.check_step(DisputeStatus.resolving, DisputeStatus.resolved, "双方签订调解协议")
    with pytest.raises(ValueError):
        rules.check_step(DisputeStatus.resolving, DisputeStatus.resolved, " ")  # no note
    with pytest.raises(ValueError):
        rules.check_step(DisputeStatus.resolved, DisputeStatus.resolving, "x")
    with pytest.raises(ValueError):
        rules.check_step(DisputeStatus.resolved, DisputeStatus.open, "")
    rules.check_step(DisputeStatus.resolved, DisputeStatus.open, "当事人再次上访")


def test_the_months_due_in_a_period_are_those_whose_17th_has_passed():
    now = local(2024, 11, 20)
    assert months_due(date(2024, 1, 1), date(2024, 12, 31), now, TZ) == [
        f"2024-{m:02d}" for m in range(1, 12)
    ]
    assert months_due(date(2024, 11, 18), date(2024, 12, 31), now, TZ) == []
    assert months_due(date(2024, 11, 1), date(2024, 11, 30), local(2024, 11, 17, 12), TZ) == []


# --- pushed, reported, tracked ---------------------------------------------------------------


@pytest.fixture
def villages(client, session, town, login):
    """Two villages of the town; cadre_1 is 青山村's cadre, office1 the four-in-one office."""
    admin = login("admin")
    ids = {}
    for code, name in (("01", "青山村"), ("02", "河口村")):
        res = client.post(
            "/api/villages", json={"code": code, "name": name, "district": "东管区"}, headers=admin
        )
        assert res.status_code == 201, res.text
        ids[code] = res.json()["id"]
    add_user(session, town, "cadre_1", "村干部 王强", ["village"], village_id=ids["01"])
    add_user(session, town, "cadre_2", "村干部 李红", ["village"], village_id=ids["02"])
    add_user(
        session, town, "office1", "四位一体办 陈", ["department"], department=Department.four_in_one
    )
    add_user(
        session, town, "police1", "派出所 刘", ["department"], department=Department.police_station
    )
    session.commit()
    return ids


def _form(village_id: int, *, month=MONTH, at=None, disputes=None, petitions=1, unstable=2):
    if disputes is None:
        disputes = [
            {"key": "d1", "summary": "宅基地边界纠纷", "parties": "张三、李四", "category": "land"},
            {
                "key": "d2",
                "summary": "邻里噪音",
                "parties": "王五、赵六",
                "category": "neighbours",
                "settled_in_village": True,
            },
        ]
    payload = {
        "village_id": village_id,
        "month": month,
        "petitions": petitions,
        "unstable_factors": unstable,
        "disputes": disputes,
    }
    return mut("village.form", payload, at=at)


def _report(session, town_id: int, month=MONTH, now=None):
    now = now or local(2025, 1, 10)
    return village_report(session, town_ids=frozenset({town_id}), month=month, now=now, timezone=TZ)


def test_a_form_recorded_offline_by_the_17th_is_on_time_and_one_recorded_after_is_late(
    client, session, villages, login
):
    # recorded on 10 and 20 November on phones with true clocks, synced today
    cadre1, cadre2 = login("cadre_1"), login("cadre_2")
    [r] = push(client, cadre1, [_form(villages["01"], at=local(2024, 11, 10, 9))])
    assert r["status"] == "applied", r
    [r] = push(client, cadre2, [_form(villages["02"], at=local(2024, 11, 20, 9))])
    assert r["status"] == "applied", r
    session.rollback()
    report = _report(session, session.get(VillageForm, r["id"]).town_id)
    states = {v.village_name: v.state for v in report.villages}
    assert states == {"青山村": "on_time", "河口村": "late"}
    assert report.totals.petitions == 2 and report.totals.unstable_factors == 4
    assert (report.totals.disputes_open, report.totals.disputes_resolved) == (2, 2)


def test_a_phone_clock_set_back_cannot_make_a_late_form_on_time(client, session, villages, login):
    # The phone says 10 November, but it sends now: its clock is off by the difference and
    # the server corrects the form's time to now, which is long after the 17th.
    wrong = local(2024, 11, 10, 9)
    form = _form(villages["01"], at=wrong)
    [r] = push(client, login("cadre_1"), [form], sent_at=wrong + timedelta(minutes=1))
    assert r["status"] == "applied", r
    session.rollback()
    stored = session.get(VillageForm, form["id"])
    assert not stored.on_time
    assert stored.first_handed_in_at > datetime(2025, 1, 1, tzinfo=UTC)
    assert "skew" in (stored.clock_flag or "")


def test_a_cadre_hands_in_only_for_her_own_village_and_a_bad_form_leaves_the_batch_standing(
    client, session, villages, login
):
    other = _form(villages["02"], at=local(2024, 11, 10))
    good = _form(villages["01"], at=local(2024, 11, 10))
    future = _form(villages["01"], month="2099-01")
    unknown = _form(999_999, at=local(2024, 11, 10))
    results = push(client, login("cadre_1"), [other, good, future, unknown])
    assert [r["status"] for r in results] == ["rejected", "applied", "rejected", "rejected"]
    assert results[0]["rule"] == Rule.not_your_village
    assert "本村的村干部" in results[0]["message_zh"]
    assert all(r["message_zh"] and r["message"] for r in results if r["status"] == "rejected")
    # a patrol member and the police station's staff hand in nothing
    for login_name in ("member_a1", "police1"):
        [r] = push(client, login(login_name), [_form(villages["01"], month="2024-10")])
        assert (r["status"], r["rule"]) == ("rejected", Rule.role_may_not), r
    session.rollback()
    assert session.exec(select(VillageForm.id)).all() == [good["id"]]


def test_a_corrected_form_replaces_the_earlier_one_and_counts_once(
    client, session, villages, login
):
    cadre = login("cadre_1")
    first = _form(villages["01"], at=local(2024, 11, 10), petitions=1)
    [r] = push(client, cadre, [first])
    assert r["status"] == "applied"
    fixed = _form(
        villages["01"],
        at=local(2024, 11, 25),
        petitions=3,
        disputes=[{"key": "d1", "summary": "宅基地边界纠纷（更正）", "category": "land"}],
    )
    [r] = push(client, cadre, [fixed])
    assert r["status"] == "applied", r
    # an older copy from a second phone, synced after: the later form stands
    stale = _form(villages["01"], at=local(2024, 11, 12), petitions=9)
    [r] = push(client, cadre, [stale])
    assert (r["status"], r["rule"]) == ("conflict", Rule.form_superseded), r
    assert r["current"]["data"]["petitions"] == 3
    session.rollback()
    forms = session.exec(select(VillageForm)).all()
    assert len(forms) == 1
    [form] = forms
    assert (form.id, form.petitions, form.revisions) == (first["id"], 3, 2)
    assert form.on_time  # judged by the first hand-in, on 10 November
    report = _report(session, form.town_id)
    row = next(v for v in report.villages if v.village_name == "青山村")
    assert (row.petitions, row.disputes, row.state) == (3, 1, "on_time")
    assert report.totals.petitions == 3


def test_village_forms_stay_out_of_the_phones_pull_feed(client, session, villages, login):
    cadre = login("cadre_1")
    form = _form(villages["01"], at=local(2024, 11, 10))
    mixed = [
        form,
        mut("hazard.report", {"site_id": 999_999, "category": "fire", "description": "x"}),
    ]
    results = push(client, cadre, mixed)
    assert [r["status"] for r in results] == ["applied", "rejected"]
    changes, _ = pull_all(client, login("supervisor"))
    assert form["id"] not in {c["id"] for c in changes}


def test_the_four_in_one_office_resolves_a_dispute_and_may_reopen_it_audited(
    client, session, villages, login
):
    form = _form(villages["01"], at=local(2024, 11, 10))
    [r] = push(client, login("cadre_1"), [form])
    assert r["status"] == "applied"
    office = login("office1")

    def step(to, note="", key="d1", who=office):
        body = {"form_id": form["id"], "dispute_key": key, "to": to, "note": note}
        return client.post("/api/villages/disputes/step", json=body, headers=who)

    assert step("resolving").status_code == 200
    res = step("resolved")  # without a note
    assert res.status_code == 422 and res.json()["error"]["message_zh"]
    res = step("resolved", "双方签订调解协议，已履行")
    assert res.status_code == 200, res.text
    assert res.json()["resolved_at"] is not None
    assert step("resolving").status_code == 409
    assert step("open", "当事人再次反映").status_code == 200
    assert step("resolved", "x", key="nope").status_code == 404
    # neither a cadre nor the police station's staff track disputes
    for who in ("cadre_1", "police1", "member_a1"):
        assert step("resolving", who=login(who)).status_code == 403
    session.rollback()
    actions = [
        e.action
        for e in session.exec(
            select(AuditEvent).where(AuditEvent.entity == "dispute_case").order_by(AuditEvent.id)
        )
    ]
    assert actions == ["dispute.resolving", "dispute.resolved", "dispute.open"]
    town_id = session.get(VillageForm, form["id"]).town_id
    rows = {d.key: d.status for d in _report(session, town_id).disputes}
    assert rows == {"d1": "open", "d2": "resolved"}


def test_a_correction_keeps_the_offices_tracking_of_a_dispute_it_still_lists(
    client, session, villages, login
):
    cadre, office = login("cadre_1"), login("office1")
    form = _form(villages["01"], at=local(2024, 11, 10))
    push(client, cadre, [form])
    body = {"form_id": form["id"], "dispute_key": "d1", "to": "resolved", "note": "已调解"}
    assert client.post("/api/villages/disputes/step", json=body, headers=office).status_code == 200
    push(client, cadre, [_form(villages["01"], at=local(2024, 11, 12), petitions=5)])
    session.rollback()
    town_id = session.get(VillageForm, form["id"]).town_id
    rows = {d.key: (d.status, d.note) for d in _report(session, town_id).disputes}
    assert rows["d1"] == ("resolved", "已调解")


def test_the_month_end_notice_reads_for_the_office_and_exports_in_chinese(
    client, session, villages, login
):
    push(client, login("cadre_1"), [_form(villages["01"], at=local(2024, 11, 10))])
    for who in ("supervisor", "office1", "admin"):
        res = client.get("/api/reports/villages", params={"month": MONTH}, headers=login(who))
        assert res.status_code == 200, (who, res.text)
        states = {v["village_name"]: v["state"] for v in res.json()["villages"]}
        assert states == {"青山村": "on_time", "河口村": "missing"}
    for who in ("cadre_1", "police1", "member_a1", "leader_a"):
        res = client.get("/api/reports/villages", params={"month": MONTH}, headers=login(who))
        assert res.status_code == 403, who
        assert res.json()["error"]["message_zh"]
    res = client.get("/api/reports/villages", params={"month": "2024-13"}, headers=login("admin"))
    assert res.status_code == 422
    res = client.get(
        "/api/reports/villages", params={"month": MONTH, "format": "csv"}, headers=login("office1")
    )
    assert res.status_code == 200
    text = res.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("镇,村庄编码,村庄,管区,月份,上报情况,上报时间")
    assert "按时上报" in text and "未报" in text and "2024-11-10 00:00" in text
    res = client.get(
        "/api/reports/villages",
        params={"month": MONTH, "format": "xlsx", "table": "disputes"},
        headers=login("supervisor"),
    )
    assert res.status_code == 200 and res.content[:2] == b"PK"


def test_the_assessment_counts_forms_on_time_over_the_months_due(client, session, villages, login):
    cadre = login("cadre_1")
    push(client, cadre, [_form(villages["01"], month="2024-10", at=local(2024, 10, 16))])
    push(client, cadre, [_form(villages["01"], month="2024-11", at=local(2024, 11, 19))])
    session.rollback()
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
    scope = scope_of(session, supervisor)
    period = (date(2024, 10, 1), date(2024, 11, 30))
    lines = assessment_lines(session, scope, *period, local(2025, 1, 1))
    by_name = {line.subject_name: (line.kept, line.due) for line in lines}
    assert by_name == {"青山村": (1, 2), "河口村": (0, 2)}
    assert all(line.subject_kind == "village" for line in lines)
    # a leader's assessment holds no villages
    leader = session.exec(select(User).where(User.username == "leader_a")).one()
    assert assessment_lines(session, scope_of(session, leader), *period, local(2025, 1, 1)) == []


def test_the_admin_sets_up_villages_by_csv_and_edits_and_deactivates_them_audited(
    client, session, villages, login
):
    admin = login("admin")
    csv = "code,name,district\n03,石桥村,西管区\n04,柳林村,\n".encode("utf-8-sig")
    res = client.post(
        "/api/villages/import", files={"file": ("v.csv", csv, "text/csv")}, headers=admin
    )
    assert res.status_code == 201, res.text
    assert res.json()["imported"] == 2
    bad = "code,name\n05,新村\n01,重复村\n06,\n".encode()
    res = client.post(
        "/api/villages/import", files={"file": ("v.csv", bad, "text/csv")}, headers=admin
    )
    assert res.status_code == 422
    assert [d["line"] for d in res.json()["error"]["details"]] == [3, 4]
    res = client.post("/api/villages", json={"code": "01", "name": "又一村"}, headers=admin)
    assert res.status_code == 409 and res.json()["error"]["message_zh"]
    vid = villages["02"]
    res = client.patch(f"/api/villages/{vid}", json={"district": "南管区"}, headers=admin)
    assert res.status_code == 200 and res.json()["district"] == "南管区"
    res = client.patch(f"/api/villages/{vid}", json={"name": None}, headers=admin)
    assert res.status_code == 422
    assert client.post(f"/api/villages/{vid}/deactivate", headers=admin).status_code == 200
    names = [v["name"] for v in client.get("/api/villages", headers=admin).json()]
    assert "河口村" not in names and "石桥村" in names
    # the cadre sees her own village; a member sees none
    mine = client.get("/api/villages", headers=login("cadre_1")).json()
    assert [v["name"] for v in mine] == ["青山村"]
    assert client.get("/api/villages", headers=login("member_a1")).status_code == 403
    assert (
        client.post(
            "/api/villages", json={"code": "9", "name": "x"}, headers=login("supervisor")
        ).status_code
        == 403
    )
    session.rollback()
    actions = {
        e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "village"))
    }
    assert actions == {"village.create", "village.update"}
    # a deactivated village is due nothing and takes no form
    [r] = push(client, login("cadre_2"), [_form(vid, at=local(2024, 11, 10))])
    assert r["status"] == "rejected" and "没有编号为" in r["message_zh"]


def test_another_towns_office_sees_and_moves_nothing_and_a_county_supervisor_reads_both(
    client, session, town, villages, login
):
    second = build_second_town(session)
    add_county_supervisor(session, second, "county")
    west = Village(town_id=second.sites["a"].town_id, code="01", name="西山村")
    session.add(west)
    session.commit()
    form = _form(villages["01"], at=local(2024, 11, 10))
    push(client, login("cadre_1"), [form])
    other_admin, other_supervisor = login("admin@xishan"), login("supervisor@xishan")
    params = {"month": MONTH}
    names = {v["village_name"] for v in _get(client, other_supervisor, params)["villages"]}
    assert names == {"西山村"}
    assert {v["name"] for v in client.get("/api/villages", headers=other_admin).json()} == {
        "西山村"
    }
    body = {"form_id": form["id"], "dispute_key": "d1", "to": "resolving"}
    res = client.post("/api/villages/disputes/step", json=body, headers=other_supervisor)
    assert res.status_code == 404
    res = client.patch(
        f"/api/villages/{villages['01']}", json={"name": "改名"}, headers=other_admin
    )
    assert res.status_code == 404
    # the other town's admin cannot hand in a form for this town's village either
    [r] = push(client, other_admin, [_form(villages["01"], month="2024-10")])
    assert (r["status"], r["rule"]) == ("rejected", Rule.not_your_village)
    county = {v["village_name"] for v in _get(client, login("county"), params)["villages"]}
    assert county == {"青山村", "河口村", "西山村"}


def _get(client, headers, params) -> dict:
    res = client.get("/api/reports/villages", params=params, headers=headers)
    assert res.status_code == 200, res.text
    return res.json()
