"""CSV import of sites and of users: every row is checked first; one bad row imports nothing.

Files are UTF-8 with or without a BOM (Excel's "CSV UTF-8" adds one), first line = headers.
Problems come back as 422 with details [{"line", "field", "message"}, ...], where line is the
file's line number (the header is line 1).
"""

import csv
import io
import re
from datetime import time

from pydantic import ValidationError
from sqlmodel import Session, select

from app.auth.models import Role, User, UserCreate
from app.errors import Invalid
from app.sites import service as sites
from app.sites.models import GateWindowCreate, Site, SiteCreate, SiteKind, WindowKind
from app.users.service import create_user

SITE_COLUMNS = {
    "name": True,  # required
    "kind": False,
    "address": False,
    "lat": False,
    "lon": False,
    "timezone": False,
    "required_patrol_staff": False,
    "required_gate_staff": False,
    "arrival": False,  # "07:30-08:30", the 上学 gate window
    "dismissal": False,  # "16:30-17:30", the 放学 gate window
}
USER_COLUMNS = {
    "username": True,
    "display_name": True,
    "password": True,
    "roles": False,  # e.g. "member;leader"; default member
    "phone": False,
    "home_site": False,  # site id or exact site name (gate staff's school)
}
KIND_ALIASES = {
    "学校": SiteKind.school,
    "小学": SiteKind.school,
    "中学": SiteKind.school,
    "幼儿园": SiteKind.kindergarten,
    "重点场所": SiteKind.key_place,
}
ROLE_ALIASES = {
    "巡逻人员": Role.member,
    "值班人员": Role.member,
    "门卫": Role.gate,
    "校门口值班人员": Role.gate,
    "组长": Role.leader,
    "督查": Role.supervisor,
    "管理员": Role.admin,
}
# UserBase declares this pattern, but SQLModel's Field(regex=...) does not enforce it.
_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{2,64}$")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")
Rows = list[tuple[int, dict[str, str]]]


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, line: int, field: str, message: str) -> None:
        self.items.append({"line": line, "field": field, "message": message})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        n = len(self.items)
        raise Invalid(
            f"{n} problem{'s' if n > 1 else ''} in the CSV file; nothing was imported. "
            f"First: line {first['line']}, {first['field']}: {first['message']}",
            details=self.items,
        )


def read_rows(content: bytes, columns: dict[str, bool]) -> Rows:
    """Decodes and parses the file; 422 for a wrong encoding or wrong headers."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The file is not UTF-8; save it as 'CSV UTF-8' and upload it again.",
            details=[{"line": 0, "field": "file", "message": "not UTF-8"}],
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    if not headers:
        raise Invalid(
            "The file is empty; the first line must name the columns.",
            details=[{"line": 1, "field": "file", "message": "no header line"}],
        )
    problems = _Problems()
    for h in headers:
        if h not in columns:
            problems.add(1, h, f"unknown column; use: {', '.join(columns)}")
    for name, required in columns.items():
        if required and name not in headers:
            problems.add(1, name, "required column is missing")
    problems.raise_if_any()
    reader.fieldnames = headers
    rows: Rows = []
    for raw in reader:
        if None in raw:  # more cells than headers
            problems.add(reader.line_num, "row", "more cells than there are columns")
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(values.values()):
            continue  # blank line
        rows.append((reader.line_num, values))
    problems.raise_if_any()
    if not rows:
        raise Invalid(
            "The file has a header line but no rows to import.",
            details=[{"line": 2, "field": "file", "message": "no rows"}],
        )
    return rows


def _validation_problems(problems: _Problems, line: int, exc: ValidationError) -> None:
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "row"
        problems.add(line, field, err.get("msg", "invalid"))


def _window(value: str, problems: _Problems, line: int, field: str) -> tuple[time, time] | None:
    match = _WINDOW.match(value)
    if not match:
        problems.add(line, field, "write the window as HH:MM-HH:MM, e.g. 07:30-08:30")
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        problems.add(line, field, "not a valid time of day")
        return None


def import_sites(session: Session, *, content: bytes, actor_id: int) -> list[Site]:
    """Validates every row, then adds the sites and their gate windows; the caller commits."""
    rows = read_rows(content, SITE_COLUMNS)
    problems = _Problems()
    existing = set(session.exec(select(Site.name).where(Site.active)).all())
    seen: dict[str, int] = {}
    planned: list[tuple[SiteCreate, list[GateWindowCreate]]] = []
    for line, row in rows:
        data = {
            k: v
            for k, v in row.items()
            if v and k in SITE_COLUMNS and k not in ("arrival", "dismissal")
        }
        if "kind" in data:
            data["kind"] = KIND_ALIASES.get(data["kind"], data["kind"])
        try:
            site = SiteCreate.model_validate(data)
        except ValidationError as exc:
            _validation_problems(problems, line, exc)
            continue
        if site.name in existing:
            problems.add(line, "name", f"a site named {site.name!r} already exists")
        elif site.name in seen:
            problems.add(line, "name", f"the same name is already on line {seen[site.name]}")
        seen.setdefault(site.name, line)
        windows = []
        for field, kind, label in (
            ("arrival", WindowKind.arrival, "上学"),
            ("dismissal", WindowKind.dismissal, "放学"),
        ):
            if not row.get(field):
                continue
            span = _window(row[field], problems, line, field)
            if span is None:
                continue
            try:
                windows.append(
                    GateWindowCreate(name=label, kind=kind, starts=span[0], ends=span[1])
                )
            except ValidationError:
                problems.add(line, field, "the window must end after it starts")
        planned.append((site, windows))
    problems.raise_if_any()
    created = []
    for data, windows in planned:
        site = sites.create_site(session, data=data, actor_id=actor_id)
        for window in windows:
            sites.create_window(session, site=site, data=window, actor_id=actor_id)
        created.append(site)
    return created


def _roles(value: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[;|,、\s]+", value) if p.strip()]
    return [ROLE_ALIASES.get(p, p) for p in parts] or [Role.member.value]


def import_users(session: Session, *, content: bytes, actor_id: int) -> list[User]:
    """Validates every row, then adds the users (argon2-hashed passwords); the caller commits."""
    rows = read_rows(content, USER_COLUMNS)
    problems = _Problems()
    site_by_name = {s.name: s.id for s in session.exec(select(Site).where(Site.active)).all()}
    site_ids = set(site_by_name.values())
    taken = set(session.exec(select(User.username)).all())
    seen: dict[str, int] = {}
    planned: list[UserCreate] = []
    for line, row in rows:
        home_site_id = None
        home = row.get("home_site", "")
        if home:
            if home.isdigit() and int(home) in site_ids:
                home_site_id = int(home)
            elif home in site_by_name:
                home_site_id = site_by_name[home]
            else:
                problems.add(line, "home_site", f"no active site with id or name {home!r}")
        data = {
            "username": row.get("username", ""),
            "display_name": row.get("display_name", ""),
            "password": row.get("password", ""),
            "roles": _roles(row.get("roles", "")),
            "phone": row.get("phone") or None,
            "home_site_id": home_site_id,
        }
        if data["username"] and not _USERNAME.match(data["username"]):
            problems.add(line, "username", "use 2-64 letters, digits or . _ @ + - (no spaces)")
            continue
        try:
            user = UserCreate.model_validate(data)
        except ValidationError as exc:
            _validation_problems(problems, line, exc)
            continue
        if user.username in taken:
            problems.add(line, "username", f"the username {user.username!r} is already taken")
        elif user.username in seen:
            problems.add(line, "username", f"the same username is on line {seen[user.username]}")
        seen.setdefault(user.username, line)
        planned.append(user)
    problems.raise_if_any()
    return [
        create_user(
            session,
            username=u.username,
            display_name=u.display_name,
            password=u.password,
            roles=u.roles,
            phone=u.phone,
            home_site_id=u.home_site_id,
            actor_id=actor_id,
        )
        for u in planned
    ]
