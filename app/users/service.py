"""Creating and changing user accounts; every change is audited."""

from sqlmodel import Session, select

from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.models import Device, Role, User
from app.auth.security import hash_password
from app.errors import Conflict, Invalid
from app.sites.models import Site
from app.towns.models import Department, Village


def _roles(roles: list[str] | list[Role]) -> str:
    try:
        parsed = [Role(r) for r in roles]
    except ValueError as exc:
        raise Invalid(
            f"Unknown role; choose from {', '.join(r.value for r in Role)}.",
            message_zh=f"未知的角色，可选：{', '.join(r.value for r in Role)}。",
        ) from exc
    if not parsed:
        raise Invalid("A user needs at least one role.", message_zh="用户至少须有一个角色。")
    return ",".join(r.value for r in Role if r in parsed)


def _check_home_site(session: Session, site_id: int | None, town_id: int) -> None:
    site = session.get(Site, site_id) if site_id is not None else None
    if site_id is not None and (site is None or site.town_id != town_id):
        raise Invalid(
            f"There is no site with id {site_id}.",
            message_zh=f"没有编号为 {site_id} 的场所。",
            details=[
                {"field": "home_site_id", "message": "no such site", "message_zh": "没有该场所"}
            ],
        )


def _check_village(session: Session, village_id: int | None, town_id: int) -> None:
    village = session.get(Village, village_id) if village_id is not None else None
    if village_id is not None and (village is None or village.town_id != town_id):
        raise Invalid(
            f"There is no village with id {village_id}.",
            message_zh=f"没有编号为 {village_id} 的村庄。",
            details=[
                {"field": "village_id", "message": "no such village", "message_zh": "没有该村庄"}
            ],
        )


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str] | list[Role],
    actor_id: int | None,
    town_id: int,
    phone: str | None = None,
    home_site_id: int | None = None,
    village_id: int | None = None,
    department: Department | None = None,
    county_wide: bool = False,
    password_hash: str | None = None,
) -> User:
    """Adds a user to a town; the username is unique within it. `password_hash`: the hash of
    `password`, already made (the demo town hashes its one password once, not once per user:
    argon2 takes about a second)."""
    taken = select(User.id).where(User.town_id == town_id, User.username == username)
    if session.exec(taken).first() is not None:
        raise Conflict(
            f"The username {username!r} is already taken in this town.",
            message_zh=f"用户名 {username} 在本镇已被使用。",
        )
    _check_home_site(session, home_site_id, town_id)
    _check_village(session, village_id, town_id)
    user = User(
        username=username,
        town_id=town_id,
        county_wide=county_wide,
        display_name=display_name,
        phone=phone,
        home_site_id=home_site_id,
        village_id=village_id,
        department=department.value if department else None,
        password_hash=password_hash or hash_password(password),
        roles=_roles(roles),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=town_id,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after=audit.snapshot(user),
    )
    return user


def update_user(session: Session, *, user: User, changes: dict, actor_id: int) -> User:
    """Applies a PATCH; disabling revokes reading at once (see auth.service)."""
    before = audit.snapshot(user)
    _check_home_site(session, changes.get("home_site_id"), user.town_id)
    _check_village(session, changes.get("village_id"), user.town_id)
    if changes.get("department") is not None:
        changes["department"] = Department(changes["department"]).value
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    if "roles" in changes:
        user.roles = _roles(changes.pop("roles"))
    active = changes.pop("active", None)
    for key, value in changes.items():
        setattr(user, key, value)
    if active is False and user.active:
        auth_service.revoke_user_sessions(session, user=user)
    elif active is True and not user.active:
        user.active, user.disabled_at = True, None
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=user.town_id,
        action="user.update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=audit.snapshot(user),
    )
    return user


def revoke_device(session: Session, *, device: Device, actor_id: int) -> None:
    before = audit.snapshot(device)
    auth_service.revoke_device(session, device=device)
    owner = session.get(User, device.user_id)
    audit.record(
        session,
        actor_id=actor_id,
        town_id=owner.town_id if owner is not None else None,
        action="device.revoke",
        entity="device",
        entity_id=device.id,
        before=before,
        after=audit.snapshot(device),
    )
