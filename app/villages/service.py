"""The office side of the villages: the town's villages (list, create, edit, deactivate, CSV
import; the town's admin, audited) and the four-in-one office's tracking of the disputes the
forms list (化解: open -> resolving -> resolved, reopen; audited). Who reads: the town's
admin, supervisors and the four-in-one office (四位一体办); a cadre her own village."""

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.access import Scope
from app.audit import service as audit
from app.auth.models import Role, User
from app.csv_upload import Problems, read_rows
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.towns.models import Department, Village
from app.villages import rules
from app.villages.models import (
    DisputeCase,
    DisputeStatus,
    DisputeStep,
    VillageCreate,
    VillageForm,
    VillageUpdate,
)

VILLAGE_COLUMNS = {"code": True, "name": True, "district": False}


def is_four_in_one(user: User) -> bool:
    return user.has_role(Role.department) and user.department == Department.four_in_one


def may_read_villages(user: User) -> bool:
    """The office side that reads the forms: supervisors, admins, the four-in-one office."""
    return user.has_role(Role.supervisor, Role.admin) or is_four_in_one(user)


def require_reader(user: User) -> None:
    if not may_read_villages(user):
        raise Forbidden(
            "Only the town's supervisors, admins and the four-in-one office read the villages' "
            "forms.",
            message_zh="只有本镇督查、管理员和四位一体办可以查看村庄排查表。",
        )


def list_villages(
    session: Session, *, user: User, scope: Scope, include_inactive: bool = False
) -> list[Village]:
    query = select(Village)
    if may_read_villages(user):
        query = query.where(col(Village.town_id).in_(scope.town_ids or {-1}))
    elif user.has_role(Role.village) and user.village_id is not None:
        query = query.where(Village.id == user.village_id)
    else:
        raise Forbidden(
            "Only the town's office, and a village's own cadre, read the villages.",
            message_zh="只有镇里的办公人员和本村村干部可以查看村庄。",
        )
    if not include_inactive:
        query = query.where(Village.active)
    return list(session.exec(query.order_by(col(Village.town_id), col(Village.code))).all())


def get_village(session: Session, *, scope: Scope, village_id: int) -> Village:
    village = session.get(Village, village_id)
    if village is None or not scope.sees_town(village.town_id):
        raise NotFound(
            f"No village with id {village_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {village_id} 的村庄。",
        )
    return village


def _code_taken(session: Session, town_id: int, code: str, but: int | None = None) -> bool:
    query = select(Village.id).where(Village.town_id == town_id, Village.code == code)
    if but is not None:
        query = query.where(Village.id != but)
    return session.exec(query).first() is not None


def _taken(code: str) -> Conflict:
    return Conflict(
        f"The town has a village with code {code!r} already.",
        message_zh=f"本镇已有编码为“{code}”的村庄。",
    )


def create_village(
    session: Session, *, data: VillageCreate, town_id: int, actor_id: int | None
) -> Village:
    if _code_taken(session, town_id, data.code):
        raise _taken(data.code)
    village = Village(town_id=town_id, code=data.code, name=data.name, district=data.district)
    session.add(village)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=town_id,
        action="village.create",
        entity="village",
        entity_id=village.id,
        after=audit.snapshot(village),
    )
    return village


def update_village(
    session: Session, *, village: Village, data: VillageUpdate, actor_id: int | None
) -> Village:
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes and _code_taken(session, village.town_id, changes["code"], village.id):
        raise _taken(changes["code"])
    before = audit.snapshot(village)
    for key, value in changes.items():
        setattr(village, key, value)
    session.add(village)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=village.town_id,
        action="village.update",
        entity="village",
        entity_id=village.id,
        before=before,
        after=audit.snapshot(village),
    )
    return village


def deactivate_village(session: Session, *, village: Village, actor_id: int | None) -> Village:
    """Keeps the row (its forms point at it); it is no longer due a form."""
    return update_village(
        session, village=village, data=VillageUpdate(active=False), actor_id=actor_id
    )


def import_villages(
    session: Session, *, content: bytes, town_id: int, actor_id: int | None
) -> list[Village]:
    """Checks every row (code, name, district), then adds the villages to the town."""
    rows = read_rows(content, VILLAGE_COLUMNS)
    problems = Problems()
    existing = set(session.exec(select(Village.code).where(Village.town_id == town_id)).all())
    seen: dict[str, int] = {}
    planned: list[VillageCreate] = []
    for line, row in rows:
        data = {k: v for k, v in row.items() if v and k in VILLAGE_COLUMNS}
        try:
            village = VillageCreate.model_validate(data)
        except ValidationError as exc:
            problems.add_validation(line, exc)
            continue
        if village.code in existing:
            problems.add(
                line,
                "code",
                f"a village with code {village.code!r} already exists",
                zh=f"已有编码为“{village.code}”的村庄",
            )
        elif village.code in seen:
            problems.add(
                line,
                "code",
                f"the same code is already on line {seen[village.code]}",
                zh=f"第 {seen[village.code]} 行已有相同编码",
            )
        seen.setdefault(village.code, line)
        planned.append(village)
    problems.raise_if_any()
    return [create_village(session, data=v, town_id=town_id, actor_id=actor_id) for v in planned]


# --- the four-in-one office's tracking of the disputes (化解) ------------------------------


def current_status(case: DisputeCase | None, dispute: dict) -> DisputeStatus:
    if case is not None:
        return DisputeStatus(case.status)
    return rules.initial_status(bool(dispute.get("settled_in_village")))


def step_dispute(
    session: Session, *, user: User, scope: Scope, body: DisputeStep, now: datetime
) -> DisputeCase:
    """One step of a dispute: the town's four-in-one office or supervisors; audited."""
    form = session.get(VillageForm, body.form_id)
    if form is None or not scope.sees_town(form.town_id):
        raise NotFound(
            f"No village form with id {body.form_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {body.form_id} 的排查表。",
        )
    if not (is_four_in_one(user) or user.has_role(Role.supervisor)):
        raise Forbidden(
            "Only the four-in-one office and the supervisors track disputes to resolution.",
            message_zh="只有四位一体办和督查可以跟踪纠纷化解。",
        )
    dispute = next((d for d in form.disputes if d.get("key") == body.dispute_key), None)
    if dispute is None:
        raise NotFound(
            f"The form lists no dispute {body.dispute_key!r}.",
            message_zh=f"该排查表中没有纠纷（{body.dispute_key}）。",
        )
    case = session.exec(
        select(DisputeCase).where(
            DisputeCase.village_id == form.village_id,
            DisputeCase.month == form.month,
            DisputeCase.dispute_key == body.dispute_key,
        )
    ).first()
    current = current_status(case, dispute)
    try:
        rules.check_step(current, body.to, body.note)
    except ValueError as exc:
        en, zh = exc.args
        if body.to in rules.STEPS[current]:  # a note is missing: the input is wrong
            raise Invalid(
                en, message_zh=zh, details=[{"field": "note", "message": en, "message_zh": zh}]
            ) from exc
        raise Conflict(en, message_zh=zh) from exc
    before = audit.snapshot(case)
    if case is None:
        case = DisputeCase(
            town_id=form.town_id,
            village_id=form.village_id,
            month=form.month,
            dispute_key=body.dispute_key,
            updated_by=user.id or 0,
        )
    case.status = body.to
    case.note = body.note.strip()
    case.updated_by = user.id or 0
    case.updated_at = now
    case.resolved_at = now if body.to == DisputeStatus.resolved else None
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=form.town_id,
        action=f"dispute.{body.to.value}",
        entity="dispute_case",
        entity_id=case.id,
        before=before,
        after=audit.snapshot(case),
    )
    return case
