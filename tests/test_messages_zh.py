"""Every message a person may read comes in Chinese and English: each error the server raises
(AppError and its kinds, a push's Rejected and Conflicted) is written with its Chinese text,
every named rule's refusal has both texts, and the validation errors and HTTP refusals the
framework makes are answered with a Chinese message too."""

import ast
import inspect
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import app.errors as errors
from app.records.authz import REFUSALS
from app.records.errors import Conflicted, Rejected, Rule, both, split_both

APP = Path(__file__).resolve().parents[1] / "app"
ERROR_KINDS = {
    name
    for name, obj in vars(errors).items()
    if inspect.isclass(obj) and issubclass(obj, errors.AppError)
}
ZH_KEYWORD = {**dict.fromkeys(ERROR_KINDS, "message_zh"), "Rejected": "zh", "Conflicted": "zh"}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _raised_without_zh() -> list[str]:
    """Every `ErrorKind(...)` call in app/ that does not pass its Chinese text."""
    missing = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            keyword = ZH_KEYWORD.get(name)
            if keyword is None or (path.name == "errors.py" and path.parent == APP):
                continue
            if not any(k.arg in (keyword, None) for k in node.keywords):
                missing.append(f"{path.relative_to(APP.parent)}:{node.lineno} {name}")
    return missing


def _detail_items_without_zh() -> list[str]:
    """Every dict literal with a `message` in the `details=` of an error raised in app/
    (or in a list it is built into) that has no `message_zh` beside it."""
    missing = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if "message" in keys and "field" in keys and "message_zh" not in keys:
                missing.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    return missing


def test_every_item_of_an_errors_details_is_written_with_its_chinese_text():
    assert _detail_items_without_zh() == []


def test_every_error_the_server_raises_is_written_with_its_chinese_text():
    assert {"NotFound", "Forbidden", "Invalid", "Conflict", "NotAuthenticated"} <= ERROR_KINDS
    assert _raised_without_zh() == []


def test_a_rejection_or_conflict_cannot_be_made_without_its_chinese_text():
    with pytest.raises(TypeError):
        Rejected("no Chinese")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Conflicted(Rule.shift_locked, "no Chinese")  # type: ignore[call-arg]


def test_every_refusal_rule_of_the_rule_table_has_a_chinese_and_an_english_text():
    for rule, (zh, en) in REFUSALS.items():
        assert _has_chinese(zh) and not _has_chinese(en), rule
        assert "{what}" in zh and "{what}" in en, rule


def test_every_rule_a_permission_refuses_with_has_its_two_texts_in_the_rule_table():
    import app.record_types  # noqa: F401  (registers the mutation types)
    from app.records.authz import Permission
    from app.records.registry import MUTATION_TYPES

    permissions = []
    for kind in MUTATION_TYPES.values():
        who = kind.who
        permissions += [who] if isinstance(who, Permission) else list((who or {}).values())
    assert permissions
    for p in permissions:
        assert p.rules <= set(REFUSALS), p
        assert _has_chinese(p.what[0]) and not _has_chinese(p.what[1]), p.what


def test_a_logged_message_keeps_both_texts_and_gives_them_back():
    assert split_both(both("该班次尚未结束。", "This shift has not ended yet.")) == (
        "该班次尚未结束。",
        "This shift has not ended yet.",
    )
    assert split_both("English only / with a slash") == (None, "English only / with a slash")
    assert split_both(None) == (None, None)


def test_every_validation_error_type_a_person_meets_has_chinese_and_others_get_a_generic_one():
    zh = errors._VALIDATION_ZH
    assert all(_has_chinese(text) for text in zh.values())
    en, zh_text = errors.validation_text(
        [{"loc": ("body", "name"), "msg": "Field required", "type": "missing"}]
    )
    assert "name" in en and "name" in zh_text and _has_chinese(zh_text)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("post", "/api/auth/login", {"json": {"username": "x"}}, 422),  # validation
        (
            "post",
            "/api/auth/login",
            {"content": b"{", "headers": {"content-type": "application/json"}},
            422,
        ),
        (
            "post",
            "/api/auth/login",
            {"json": {"username": "nobody", "password": "wrong-pw-1"}},
            401,
        ),
        ("get", "/api/users", {}, 401),
        ("delete", "/api/sync/pull", {}, 405),
        ("get", "/api/no-such-route", {}, 404),
    ],
)
def test_error_answers_carry_a_code_an_english_and_a_chinese_message(
    client: TestClient, town, method, path, kwargs, status
):
    res = getattr(client, method)(path, **kwargs)
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert error["code"] and error["message"], error
    assert _has_chinese(error["message_zh"]), error


def test_every_line_problem_of_a_csv_import_says_it_in_chinese_too(client, town, login):
    text = "name,kind,arrival,lat\n东风小学,school,,\n,castle,8点到9点,123\n"
    res = client.post(
        "/api/sites/import",
        files={"file": ("sites.csv", text.encode(), "text/csv")},
        headers=login("admin"),
    )
    assert res.status_code == 422
    details = res.json()["error"]["details"]
    assert len(details) >= 4  # a taken name, no name, an unknown kind, a bad window, a bad lat
    for d in details:
        assert d["message"] and _has_chinese(d["message_zh"]), d
    assert _has_chinese(res.json()["error"]["message_zh"].split("：", 1)[-1])


def test_every_field_of_a_validation_error_carries_its_chinese(client, town, login):
    res = client.post("/api/sites", json={"name": 5, "lat": "north"}, headers=login("admin"))
    assert res.status_code == 422
    for d in res.json()["error"]["details"]:
        assert d["field"] and _has_chinese(d["message_zh"]), d


def test_every_detail_of_a_refused_admin_write_carries_its_chinese(client, town, login):
    admin = login("admin")
    refusals = [
        client.post(
            "/api/users",
            json={
                "username": "newgate",
                "display_name": "新门卫",
                "password": "long-enough-pw",
                "roles": ["gate"],
                "home_site_id": 987654,
            },
            headers=admin,
        ),
        client.post(
            f"/api/sites/{town.sites['a'].id}/checkpoints",
            json={"code": "空 格", "name": "东门"},
            headers=admin,
        ),
        client.get("/api/audit?since=2026-12-01T08:00:00", headers=admin),
        client.patch(f"/api/groups/{town.groups['a'].id}", json={"name": ""}, headers=admin),
    ]
    for res in refusals:
        assert res.status_code in (409, 422), res.text
        details = res.json()["error"]["details"]
        assert details, res.text
        for d in details:
            assert d["message"] and _has_chinese(d["message_zh"]), (res.request.url, d)


def test_a_detail_written_without_chinese_still_answers_with_a_chinese_one():
    from app.errors import with_zh_details

    items = with_zh_details(
        [{"field": "x", "message": "bad"}, {"field": "y", "message": "b", "message_zh": "乙"}]
    )
    assert _has_chinese(items[0]["message_zh"]) and items[1]["message_zh"] == "乙"


def test_every_rule_a_schema_states_in_english_has_its_chinese():
    """Each `raise ValueError("...")` in a request schema has its Chinese in the table."""
    said = []
    for path in sorted(APP.rglob("models.py")) + [APP / "sync" / "schemas.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", None) == "ValueError"
                and node.exc.args
                and isinstance(node.exc.args[0], ast.Constant)
            ):
                said.append(node.exc.args[0].value)
    assert said
    missing = [s for s in said if s not in errors._VALUE_ERROR_ZH]
    assert missing == []
    assert "晚于" in errors.validation_zh(
        {"type": "value_error", "msg": "Value error, a gate window must end after it starts"}
    )
