"""CSV import of user accounts (app.csv_upload checks the file first)."""

import re

from pydantic import ValidationError
from sqlmodel import Session, select

from app.auth.models import Role, User, UserCreate
from app.csv_upload import Problems, read_rows
from app.sites.models import Site
from app.users.service import create_user

USER_COLUMNS = {
    "username": True,
    "display_name": True,
    "password": True,
    "roles": False,  # e.g. "member;leader"; default member
    "phone": False,
    "home_site": False,  # site id or exact site name (gate staff's school)
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


def _roles(value: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[;|,、\s]+", value) if p.strip()]
    return [ROLE_ALIASES.get(p, p) for p in parts] or [Role.member.value]


def import_users(session: Session, *, content: bytes, town_id: int, actor_id: int) -> list[User]:
    """Validates every row, then adds the users to the town (argon2-hashed passwords); a home
    school is one of the town's sites."""
    rows = read_rows(content, USER_COLUMNS)
    problems = Problems()
    town_sites = select(Site).where(Site.active, Site.town_id == town_id)
    site_by_name = {s.name: s.id for s in session.exec(town_sites).all()}
    site_ids = set(site_by_name.values())
    taken = set(session.exec(select(User.username).where(User.town_id == town_id)).all())
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
                problems.add(
                    line,
                    "home_site",
                    f"no active site with id or name {home!r}",
                    zh=f"没有编号或名称为“{home}”的在用场所",
                )
        data = {
            "username": row.get("username", ""),
            "display_name": row.get("display_name", ""),
            "password": row.get("password", ""),
            "roles": _roles(row.get("roles", "")),
            "phone": row.get("phone") or None,
            "home_site_id": home_site_id,
        }
        if data["username"] and not _USERNAME.match(data["username"]):
            problems.add(
                line,
                "username",
                "use 2-64 letters, digits or . _ @ + - (no spaces)",
                zh="用户名为 2-64 位字母、数字或 . _ @ + -（不含空格）",
            )
            continue
        try:
            user = UserCreate.model_validate(data)
        except ValidationError as exc:
            problems.add_validation(line, exc)
            continue
        if user.username in taken:
            problems.add(
                line,
                "username",
                f"the username {user.username!r} is already taken",
                zh=f"用户名 {user.username} 已被使用",
            )
        elif user.username in seen:
            problems.add(
                line,
                "username",
                f"the same username is on line {seen[user.username]}",
                zh=f"第 {seen[user.username]} 行已有同一用户名",
            )
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
            town_id=town_id,
            actor_id=actor_id,
        )
        for u in planned
    ]
