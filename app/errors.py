"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}, with
`message_zh` (the Chinese text) where a person may read it."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, PendingRollbackError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("patrol.errors")


class AppError(Exception):
    """keep_changes: the refusal is itself a fact to keep (a failed login is counted), so
    the request's unit of work commits before answering the error (see app.db)."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        code: str | None = None,
        keep_changes: bool = False,
        message_zh: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.details = details
        self.keep_changes = keep_changes
        if code:
            self.code = code


class NotAuthenticated(AppError):
    status_code, code = 401, "not_authenticated"


class Forbidden(AppError):
    status_code, code = 403, "forbidden"


class NotFound(AppError):
    status_code, code = 404, "not_found"


class Conflict(AppError):
    status_code, code = 409, "conflict"


class Gone(AppError):
    status_code, code = 410, "gone"


class TooLarge(AppError):
    status_code, code = 413, "too_large"


class Invalid(AppError):
    status_code, code = 422, "invalid"


class TooManyRequests(AppError):
    status_code, code = 429, "too_many_requests"


class Unavailable(AppError):
    status_code, code = 503, "unavailable"


UNSTORABLE_MESSAGE = (
    "A value in the request cannot be stored: a number is out of range or a text contains "
    "a NUL character."
)


UNSTORABLE_MESSAGE_ZH = "请求中的某个值无法保存：数字超出范围，或文字中含有 NUL 字符。"


def error_body(code: str, message: str, details: Any = None, message_zh: str | None = None) -> dict:
    body = {"code": code, "message": message, "details": details}
    if message_zh is not None:
        body["message_zh"] = message_zh
    return {"error": body}


# The Chinese of the input rules a person meets (app.fields), by pydantic error type; any
# other validation error gets the generic text, with the field named.
_VALIDATION_ZH = {
    "text_unstorable": "文字中含有无法保存的字符（NUL 或孤立的代理字符 \\ud800）",
    "uuid_expected": (
        "必须是 UUID，例如 0190f5c2-7b1e-7a11-8f00-3c5d2e4f6a7b（32 位十六进制数字，可带连字符）"
    ),
    "date_implausible": "日期不合理：日期必须在 {earliest} 至 {latest} 之间，请检查年份",
    "null_not_allowed": "不能为 null：若不修改，请省略该字段",
    "local_time_expected": "时间格式应为 HH:MM 或 HH:MM:SS（场所当地时间，不带时区）",
    "datetime_text_expected": (
        "应为日期时间字符串，例如 2026-12-04T08:30:00+08:00（ISO 8601，带时区），"
        "不能是数字等其他类型"
    ),
    "date_text_expected": "应为日期字符串，例如 2026-12-04（年-月-日），不能是数字等其他类型",
    "time_text_expected": "应为时间字符串，例如 07:30（HH:MM 或 HH:MM:SS），不能是数字等其他类型",
}
_VALIDATION_ZH_OTHER = "格式或取值不正确"
# The Chinese of the rules our own validators state (a `ValueError` in a schema), by the
# English text they raise with (pydantic prefixes "Value error, ").
_VALUE_ERROR_ZH = {
    "a gate window must end after it starts": "值班时段的结束时间须晚于开始时间",
    "a time must lie between the years 1900 and 2200": "时间须在 1900 年至 2200 年之间",
    "period_end must not be before period_start": "结束日期不能早于开始日期",
    "a roster covers at most 92 days": "一张值班表最多覆盖 92 天",
    "times need a UTC offset, e.g. 2026-12-01T08:00:00+08:00": (
        "时间须带时区偏移，例如 2026-12-01T08:00:00+08:00"
    ),
    "a shift must end after it starts": "班次的结束时间须晚于开始时间",
    "a planned shift lasts at most 48 hours": "一个计划班次最长 48 小时",
    "must not be blank": "不能只填空格",
}
_UNKNOWN_ZONE_ZH = "未知的时区，请使用 IANA 名称，例如 Asia/Shanghai"


def _where(err: dict, skip: tuple = ("body",)) -> str:
    return ".".join(str(p) for p in err.get("loc", ()) if p not in skip)


def validation_zh(err: dict) -> str:
    """The Chinese of one pydantic error (without its field)."""
    if err.get("type") == "value_error":
        said = str(err.get("msg", "")).removeprefix("Value error, ")
        if said.startswith("unknown time zone"):
            return _UNKNOWN_ZONE_ZH
        return _VALUE_ERROR_ZH.get(said, _VALIDATION_ZH_OTHER)
    template = _VALIDATION_ZH.get(err.get("type"), _VALIDATION_ZH_OTHER)
    return template.format(**(err.get("ctx") or {}))


def validation_text(errors: list[dict], *, limit: int = 3, skip=("body",)) -> tuple[str, str]:
    """The English and Chinese of the first few validation errors, each with its field."""
    en, zh = [], []
    for err in errors[:limit]:
        where = _where(err, skip) or "body"
        en.append(f"{where}: {err.get('msg', 'invalid')}")
        zh.append(f"{where}：{validation_zh(err)}")
    return "; ".join(en), "；".join(zh)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


# FastAPI's own refusals a person may meet: a body its JSON parser cannot read (e.g. nested
# deeper than the parser's recursion limit).
_HTTP_ZH = {
    "There was an error parsing the body": "无法解析请求内容（不是有效的 JSON，或嵌套过深）",
}
# The Chinese of an error code, for the framework's own refusals (an unknown path, a wrong
# method) that come with no text of ours. Our own errors carry their own message_zh.
CODE_ZH = {
    "bad_request": "请求有误。",
    "not_authenticated": "请先登录。",
    "forbidden": "您没有此操作的权限。",
    "not_found": "没有找到所请求的内容。",
    "method_not_allowed": "不支持此请求方式。",
    "conflict": "与已保存的数据冲突，未保存任何内容。",
    "gone": "所请求的内容已不再有效。",
    "too_large": "请求内容过大。",
    "unsupported_media_type": "不支持此内容类型。",
    "invalid": "输入无效。",
    "too_many_requests": "请求过于频繁，请稍后再试。",
    "unavailable": "服务暂时不可用，请稍后再试。",
    "database_unavailable": "数据库暂时不可用，未保存任何内容，请稍后再试。",
    "storage_full": "服务器存储已满，请告知管理员。",
    "internal": "服务器出错，已记录，请稍后再试。",
    "error": "请求失败。",
}


def with_zh_details(details: Any) -> Any:
    """A safety net: every item of an error's details that has a `message` has a
    `message_zh` too (each raise writes its own; tests/test_messages_zh.py checks it)."""
    if not isinstance(details, list):
        return details
    return [
        {**d, "message_zh": _VALIDATION_ZH_OTHER}
        if isinstance(d, dict) and "message" in d and not d.get("message_zh")
        else d
        for d in details
    ]


def _field_errors(exc: RequestValidationError) -> list[dict]:
    return [
        {
            "field": _where(err) or "body",
            "message": err.get("msg", "invalid"),
            "message_zh": validation_zh(err),
        }
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            error_body(
                exc.code,
                exc.message,
                with_zh_details(exc.details),
                exc.message_zh or CODE_ZH.get(exc.code),
            ),
            exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError):
        fields = _field_errors(exc)
        first_en, first_zh = validation_text(exc.errors(), limit=1)
        message = f"Invalid input: {first_en or 'body: invalid'}"
        message_zh = f"输入无效：{first_zh or '请求内容不正确'}"
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            message = "The request body is not valid JSON"
            message_zh = "请求内容不是有效的 JSON"
        return JSONResponse(error_body("invalid", message, fields, message_zh), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(
            error_body(code, message, message_zh=_HTTP_ZH.get(message, CODE_ZH.get(code))),
            exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _unstorable(request: Request, exc: Exception):
        # A number too large for a 64-bit column (SQLite raises OverflowError, Postgres
        # DataError) or a NUL character in text (Postgres): the client's input, not our fault.
        log.warning("unstorable input on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(
            error_body("invalid", UNSTORABLE_MESSAGE, message_zh=UNSTORABLE_MESSAGE_ZH), 422
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError):
        # A safety net: a reference to a row that does not exist, or a unique value taken
        # by a concurrent request. Routes should check first and say which field is wrong.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(
            error_body(
                "conflict",
                "The change refers to something that does not exist or clashes with stored "
                "data; nothing was saved.",
                message_zh="该修改引用了不存在的内容，或与已保存的数据冲突，未保存任何内容。",
            ),
            409,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PendingRollbackError)
    async def _database_unavailable(request: Request, exc: Exception):
        # The connection was cut (database restart, failover) or SQLite stayed locked: the
        # transaction was rolled back, nothing was half-stored, and a retry will work.
        # PendingRollbackError is what code that carries on after the cut connection gets.
        log.error(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            exc,
            exc_info=isinstance(exc, PendingRollbackError),
        )
        return JSONResponse(
            error_body(
                "database_unavailable",
                "The database is briefly unavailable; nothing was saved. Try again shortly.",
                message_zh=CODE_ZH["database_unavailable"],
            ),
            503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(
                "internal",
                "Something went wrong on the server; it has been logged.",
                message_zh=CODE_ZH["internal"],
            ),
            500,
        )


class InsufficientStorage(AppError):
    status_code, code = 507, "storage_full"
