"""School-gate duty (校门口值班): distinct staff checked in per window against the required 4."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import add_user
from tests.report_fixtures import add_gate_check

# Last week's Monday in Shanghai: its windows have all ended, whatever day the tests run.
_TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
MONDAY = _TODAY - timedelta(days=_TODAY.weekday() + 7)
SATURDAY = MONDAY + timedelta(days=5)


def _gate_staff(session, town, n):
    staff = [town.users["gate_a"]]
    for i in range(2, n + 1):
        staff.append(
            add_user(
                session,
                town,
                f"gate_a{i}",
                f"门卫{i}",
                ["gate"],
                home_site_id=town.sites["a"].id,
            )
        )
    return staff


def _report(client, headers, site, d=MONDAY, to=None, **params):
    res = client.get(
        "/api/reports/gate",
        params={"site_id": site.id, "from": d.isoformat(), "to": (to or d).isoformat(), **params},
        headers=headers,
    )
    assert res.status_code == 200, res.text
    return res.json()


def test_a_window_with_3_distinct_staff_checked_in_is_a_shortfall(client, town, session, login):
    site, (arrival, dismissal) = town.sites["a"], town.windows["a"]
    staff = _gate_staff(session, town, 4)
    for user in staff[:3]:
        add_gate_check(session, site, arrival, user, MONDAY)
    for user in staff:
        add_gate_check(session, site, dismissal, user, MONDAY)
    session.commit()
    report = _report(client, login("supervisor"), site)
    by_window = {w["window_name"]: w for w in report["windows"]}
    assert (by_window["上学"]["checked_in"], by_window["上学"]["shortfall"]) == (3, True)
    assert (by_window["放学"]["checked_in"], by_window["放学"]["shortfall"]) == (4, False)
    assert [w["window_name"] for w in report["shortfalls"]] == ["上学"]
    assert by_window["上学"]["required"] == 4


def test_one_person_checking_in_twice_counts_once(client, town, session, login):
    site, (arrival, _) = town.sites["a"], town.windows["a"]
    staff = _gate_staff(session, town, 3)
    for user in staff:
        add_gate_check(session, site, arrival, user, MONDAY)
    add_gate_check(session, site, arrival, staff[0], MONDAY, minute=5)
    session.commit()
    window = _report(client, login("supervisor"), site)["windows"][0]
    assert window["checked_in"] == 3
    assert window["staff_ids"] == sorted(u.id for u in staff)
    assert window["shortfall"] is True


def test_check_outs_do_not_count_as_staff_present(client, town, session, login):
    site, (arrival, _) = town.sites["a"], town.windows["a"]
    staff = _gate_staff(session, town, 4)
    for user in staff[:3]:
        add_gate_check(session, site, arrival, user, MONDAY)
    add_gate_check(session, site, arrival, staff[3], MONDAY, direction="out")
    session.commit()
    assert _report(client, login("supervisor"), site)["windows"][0]["checked_in"] == 3


def test_a_weekday_window_nobody_checked_into_is_a_shortfall_a_quiet_weekend_is_not(
    client, town, session, login
):
    site = town.sites["a"]
    report = _report(client, login("supervisor"), site, MONDAY, SATURDAY)
    days = sorted({w["date"] for w in report["shortfalls"]})
    assert days == [(MONDAY + timedelta(days=i)).isoformat() for i in range(5)]
    assert len(report["shortfalls"]) == 10


def test_a_weekend_with_check_ins_is_a_school_day(client, town, session, login):
    site, (arrival, _) = town.sites["a"], town.windows["a"]
    add_gate_check(session, site, arrival, town.users["gate_a"], SATURDAY)
    session.commit()
    report = _report(client, login("supervisor"), site, SATURDAY)
    assert [(w["window_name"], w["checked_in"]) for w in report["windows"]] == [
        ("上学", 1),
        ("放学", 0),
    ]


def test_gate_csv_lists_shortfalls_with_chinese_headers(client, town, session, login):
    site = town.sites["a"]
    res = client.get(
        f"/api/reports/gate?site_id={site.id}&from={MONDAY}&to={MONDAY}"
        "&format=csv&shortfalls_only=true",
        headers=login("supervisor"),
    )
    assert res.content.startswith(b"\xef\xbb\xbf")
    lines = res.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("学校编号,学校,日期,时段,应到人数,实到人数,人数不足")
    assert lines[1] == f"{site.id},东风小学,{MONDAY},上学,4,0,是,,已结束,0"
    assert len(lines) == 3


def test_a_leader_sees_only_the_gates_of_her_groups(client, town, login):
    headers = login("leader_b")
    assert (
        client.get(f"/api/reports/gate?site_id={town.sites['a'].id}", headers=headers).status_code
        == 403
    )
    res = client.get(f"/api/reports/gate?from={MONDAY}&to={MONDAY}", headers=headers)
    assert {w["site_id"] for w in res.json()["windows"]} == {town.sites["b"].id}
    assert client.get("/api/reports/gate", headers=login("gate_a")).status_code == 403
