"""CSV import of sites and users: UTF-8 (BOM or not), Chinese names, all-or-nothing."""

from sqlalchemy import func
from sqlmodel import select

from app.auth.models import User
from app.auth.security import verify_password
from app.sites.models import GateWindow, Site

SITES_CSV = (
    "name,kind,address,lat,lon,arrival,dismissal\n"
    "青山镇第二小学,学校,青山镇新华路3号,30.61,114.31,07:30-08:20,16:30-17:20\n"
    "青山镇小太阳幼儿园,kindergarten,青山镇桃园路12号,30.62,114.32,,\n"
)


def _upload(client, url, text, headers, *, bom=False, name="import.csv"):
    data = ("\ufeff" if bom else "") + text
    return client.post(
        url, files={"file": (name, data.encode("utf-8"), "text/csv")}, headers=headers
    )


def _count(session, model) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model)).one()


def test_site_csv_with_bom_and_chinese_names_imports_sites_and_gate_windows(
    client, town, login, session
):
    res = _upload(client, "/api/sites/import", SITES_CSV, login("admin"), bom=True)
    assert res.status_code == 201, res.text
    assert res.json()["imported"] == 2
    session.rollback()
    school = session.exec(select(Site).where(Site.name == "青山镇第二小学")).one()
    assert school.kind == "school" and school.address == "青山镇新华路3号"
    windows = session.exec(select(GateWindow).where(GateWindow.site_id == school.id)).all()
    assert sorted(w.name for w in windows) == ["上学", "放学"]
    kinder = session.exec(select(Site).where(Site.name == "青山镇小太阳幼儿园")).one()
    assert kinder.kind == "kindergarten"


def test_site_csv_without_bom_imports_too(client, town, login):
    res = _upload(client, "/api/sites/import", SITES_CSV, login("admin"))
    assert res.status_code == 201


def test_csv_with_one_bad_row_imports_nothing_and_names_the_line(client, town, login, session):
    before = _count(session, Site)
    text = SITES_CSV + "坏数据学校,school,地址,123.0,114.3,,\n"  # line 4: latitude out of range
    res = _upload(client, "/api/sites/import", text, login("admin"))
    assert res.status_code == 422
    details = res.json()["error"]["details"]
    assert details == [
        {
            "line": 4,
            "field": "lat",
            "message": details[0]["message"],
            "message_zh": details[0]["message_zh"],
        }
    ]
    assert "第 4 行" in res.json()["error"]["message_zh"]
    assert "line 4" in res.json()["error"]["message"]
    assert _count(session, Site) == before


def test_site_csv_lists_every_bad_row(client, town, login):
    text = (
        "name,kind,arrival\n"
        "好学校,school,07:30-08:30\n"
        ",school,\n"  # line 3: no name
        "怪学校,castle,\n"  # line 4: unknown kind
        "时间错,school,8点到9点\n"  # line 5: bad window
    )
    res = _upload(client, "/api/sites/import", text, login("admin"))
    assert res.status_code == 422
    got = {(d["line"], d["field"]) for d in res.json()["error"]["details"]}
    assert got == {(3, "name"), (4, "kind"), (5, "arrival")}


def test_site_csv_with_an_unknown_column_is_422_on_line_1(client, town, login):
    res = _upload(client, "/api/sites/import", "name,colour\n学校,红\n", login("admin"))
    assert res.status_code == 422
    first = res.json()["error"]["details"][0]
    assert first == {
        "line": 1,
        "field": "colour",
        "message": first["message"],
        "message_zh": first["message_zh"],
    }
    assert first["message_zh"].startswith("未知的列")


def test_site_csv_repeating_an_existing_site_name_is_rejected(client, town, login):
    res = _upload(client, "/api/sites/import", "name\n东风小学\n", login("admin"))
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "name"


def test_csv_that_is_not_utf8_is_422_with_advice(client, town, login):
    res = client.post(
        "/api/sites/import",
        files={"file": ("sites.csv", "name\n青山镇小学\n".encode("gbk"), "text/csv")},
        headers=login("admin"),
    )
    assert res.status_code == 422
    assert "UTF-8" in res.json()["error"]["message"]


def test_csv_import_without_a_file_is_422(client, town, login):
    res = client.post("/api/sites/import", headers=login("admin"))
    assert res.status_code == 422


def test_only_admin_may_import(client, town, login):
    for user in ("supervisor", "leader_a"):
        res = _upload(client, "/api/sites/import", SITES_CSV, login(user))
        assert res.status_code == 403
        res = _upload(client, "/api/users/import", "username\n", login(user))
        assert res.status_code == 403


USERS_CSV = (
    "username,display_name,password,roles,phone,home_site\n"
    "wangfang,王芳,secret-pass-1,member,13800000001,\n"
    "liqiang,组长 李强,secret-pass-2,组长;member,,\n"
    "zhangwei,门卫 张伟,secret-pass-3,gate,,东风小学\n"
)


def test_user_csv_creates_users_with_roles_home_site_and_hashed_password(
    client, town, login, session
):
    res = _upload(client, "/api/users/import", USERS_CSV, login("admin"), bom=True)
    assert res.status_code == 201, res.text
    assert res.json()["imported"] == 3
    session.rollback()
    leader = session.exec(select(User).where(User.username == "liqiang")).one()
    assert leader.role_set == {"leader", "member"}
    assert leader.display_name == "组长 李强"
    gate = session.exec(select(User).where(User.username == "zhangwei")).one()
    assert gate.home_site_id == town.sites["a"].id
    assert gate.password_hash != "secret-pass-3"
    assert verify_password("secret-pass-3", gate.password_hash)


def test_imported_user_can_log_in(client, town, login):
    _upload(client, "/api/users/import", USERS_CSV, login("admin"))
    res = client.post("/api/auth/login", json={"username": "wangfang", "password": "secret-pass-1"})
    assert res.status_code == 200


def test_user_csv_with_a_taken_username_imports_nobody(client, town, login, session):
    before = _count(session, User)
    text = USERS_CSV + "member_a1,重复,secret-pass-4,member,,\n"
    res = _upload(client, "/api/users/import", text, login("admin"))
    assert res.status_code == 422
    assert res.json()["error"]["details"] == [
        {
            "line": 5,
            "field": "username",
            "message": "the username 'member_a1' is already taken",
            "message_zh": "用户名 member_a1 已被使用",
        }
    ]
    assert _count(session, User) == before


def test_user_csv_reports_short_password_unknown_role_and_unknown_site(client, town, login):
    text = (
        "username,display_name,password,roles,home_site\n"
        "aa1,甲,short,member,\n"
        "bb2,乙,long-enough-pw,king,\n"
        "cc3,丙,long-enough-pw,gate,不存在的学校\n"
        "dd4,丁,long-enough-pw,member,\n"
        "dd4,丁二,long-enough-pw,member,\n"
    )
    res = _upload(client, "/api/users/import", text, login("admin"))
    assert res.status_code == 422
    got = {(d["line"], d["field"].split(".")[0]) for d in res.json()["error"]["details"]}
    assert got == {(2, "password"), (3, "roles"), (4, "home_site"), (6, "username")}


def test_user_csv_missing_a_required_column_is_422(client, town, login):
    res = _upload(client, "/api/users/import", "username,display_name\nab,甲\n", login("admin"))
    assert res.status_code == 422
    assert {
        "line": 1,
        "field": "password",
        "message": "required column is missing",
        "message_zh": "缺少必填的列",
    } in res.json()["error"]["details"]


def test_user_csv_rejects_a_username_with_spaces(client, town, login):
    text = "username,display_name,password\nwang fang,王芳,secret-pass-1\n"
    res = _upload(client, "/api/users/import", text, login("admin"))
    assert res.status_code == 422
    assert res.json()["error"]["details"][0]["field"] == "username"
