"""The year-end assessment (年终考核): figures gathered from the reports that give them,
scored plainly, with the plan's one-vote veto (一票否决) for a serious hazard left overdue."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.auth.models import User
from app.groups.membership import scope_of
from app.reports.assessment import SOURCES, assessment, score_of
from app.reports.gate import gate as gate_report
from app.reports.models import AssessmentLine
from app.reports.periods import local_date
from tests.sync_helpers import in_days, mut, push


def _line(due: int, kept: int, *, veto=False, criterion="c", subject="1") -> AssessmentLine:
    return AssessmentLine(
        subject_kind="school",
        subject_id=subject,
        subject_name=f"学校{subject}",
        criterion=criterion,
        label_zh="项目",
        label_en="item",
        due=due,
        kept=kept,
        veto=veto,
    )


def test_the_score_is_the_mean_share_kept_over_criteria_with_something_due():
    assert score_of([_line(4, 3), _line(10, 10), _line(0, 0)]) == 87.5
    assert score_of([_line(0, 0)]) is None
    assert score_of([_line(2, 2), _line(1, 0, veto=True)]) == 100.0  # a veto is not a share


def test_a_vetoed_subject_comes_first_whatever_its_score(session, town):
    supervisor = session.exec(select(User).where(User.username == "supervisor")).one()

    def source(*_):
        return [
            _line(1, 1, subject="1"),
            _line(4, 1, subject="2"),
            _line(1, 0, veto=True, subject="1"),
        ]

    day = local_date(datetime.now(UTC))
    report = assessment(
        session,
        scope=scope_of(session, supervisor),
        date_from=day,
        date_to=day,
        now=datetime.now(UTC),
        sources=[source],
    )
    assert [(s.subject_id, s.veto, s.score) for s in report.subjects] == [
        ("1", True, 100.0),
        ("2", False, 25.0),
    ]


def test_a_serious_hazard_overdue_vetoes_its_school_and_one_closed_on_time_counts_kept(
    client, session, town, login
):
    member, supervisor = login("member_a1"), login("supervisor")
    site = town.sites["a"].id
    serious = mut(
        "hazard.report",
        {"site_id": site, "category": "fire", "severity": "high", "description": "配电箱起火隐患"},
    )
    minor = mut(
        "hazard.report",
        {"site_id": site, "category": "traffic", "severity": "low", "description": "减速带缺失"},
    )
    assert all(r["status"] == "applied" for r in push(client, member, [serious, minor]))
    assign = [
        mut(
            "hazard.transition",
            {
                "hazard_id": h["id"],
                "action": "assign",
                "department": "education_office",
                "due_date": in_days(-3),
            },
        )
        for h in (serious, minor)
    ]
    assert all(r["status"] == "applied" for r in push(client, supervisor, assign))
    photo_sha = _uploaded_photo(client, member)
    fix = mut(
        "hazard.transition",
        {"hazard_id": minor["id"], "action": "rectify", "photos": [photo_sha]},
        at=datetime.now(UTC) - timedelta(days=5),
    )
    close = mut(
        "hazard.transition",
        {"hazard_id": minor["id"], "action": "close"},
        at=datetime.now(UTC) - timedelta(days=4),
    )
    assert push(client, member, [fix])[0]["status"] == "applied"
    assert push(client, supervisor, [close])[0]["status"] == "applied"
    session.rollback()
    now = datetime.now(UTC)
    today = local_date(now)
    sup = session.exec(select(User).where(User.username == "supervisor")).one()
    report = assessment(
        session,
        scope=scope_of(session, sup),
        date_from=today - timedelta(days=30),
        date_to=today,
        now=now,
    )
    [school] = [
        s for s in report.subjects if s.subject_kind == "school" and s.subject_id == str(site)
    ]
    assert school.veto and report.subjects[0] == school
    lines = {line.criterion: line for line in school.lines}
    assert (lines["hazards_closed_on_time"].due, lines["hazards_closed_on_time"].kept) == (2, 1)
    assert "配电箱起火隐患" in lines["serious_hazard_overdue"].detail_zh
    [office] = [s for s in report.subjects if s.subject_kind == "department"]
    assert (office.subject_name, office.score) == ("教委办", 50.0)


def _uploaded_photo(client, headers) -> str:
    from tests.hardening_world import png_bytes, sha

    data = png_bytes()
    res = client.put(f"/api/photos/{sha(data)}", content=data, headers=headers)
    assert res.status_code in (200, 201), res.text
    return sha(data)


def test_the_gate_figure_is_the_gate_reports_own(client, session, town, login):
    site = town.sites["a"]
    window = town.windows["a"][0]
    day = local_date(datetime.now(UTC)) - timedelta(days=7)
    checks = [
        mut(
            "gate.check",
            {
                "site_id": site.id,
                "window_id": window.id,
                "local_date": day.isoformat(),
                "direction": "in",
            },
            at=datetime.combine(day, window.starts).replace(tzinfo=UTC) - timedelta(hours=8),
        )
    ]
    push(client, login("gate_a"), checks)
    session.rollback()
    now = datetime.now(UTC)
    sup = session.exec(select(User).where(User.username == "supervisor")).one()
    scope = scope_of(session, sup)
    frm, to = day - timedelta(days=6), day
    [line] = [x for x in SOURCES[1](session, scope, frm, to, now) if x.subject_id == str(site.id)]
    windows = gate_report(session, sites=[site], date_from=frm, date_to=to, now=now).windows
    ended = [w for w in windows if w.state == "ended"]
    assert (line.due, line.kept) == (len(ended), sum(1 for w in ended if not w.shortfall))
    assert line.due > 0


def test_the_assessment_route_answers_a_supervisor_in_json_and_as_a_labelled_sheet(
    client, town, login
):
    supervisor = login("supervisor")
    res = client.get("/api/reports/assessment", headers=supervisor)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["date_from"].endswith("-01-01") and body["date_to"].endswith("-12-31")
    assert {s["subject_kind"] for s in body["subjects"]} >= {"group", "school"}
    res = client.get(
        "/api/reports/assessment",
        params={"format": "csv", "subject_kind": "group"},
        headers=supervisor,
    )
    assert res.status_code == 200
    assert "巡逻组" in res.text and "值班表按时上报" in res.text
    res = client.get("/api/reports/assessment", headers=login("member_a1"))
    assert res.status_code == 403
