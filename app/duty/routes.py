"""The office side of leadership duty: a school's duty plan (值班表), one duty cadre per day.
Planned online by the school's own staff or the town's admin (audited); whoever sees the
school reads it."""

from datetime import timedelta

from fastapi import APIRouter
from sqlmodel import Session, col, select

from app.access import Scope, ScopeDep
from app.audit import service as audit
from app.auth.deps import CurrentUser
from app.auth.models import Role, User
from app.db import ReadSessionDep, WriteSessionDep, utcnow
from app.duty import rules
from app.duty.models import DutyPlanDay, DutyPlanPublic, DutyPlanSet, DutyRecord
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.fields import PlausibleDate
from app.sites.models import Site
from app.sites.service import get_visible_site

router = APIRouter(prefix="/api/duty", tags=["duty"])

MAX_PLAN_DAYS = 62


def _may_plan(user: User, scope: Scope, site: Site) -> None:
    """The town's admin, or the school's own staff."""
    admin = user.has_role(Role.admin) and scope.sees_town(site.town_id)
    staff = user.has_role(Role.school_staff) and user.home_site_id == site.id
    if not (admin or staff):
        raise Forbidden(
            "Only the town's admin or this school's staff may plan its leadership duty.",
            message_zh="只有本镇管理员或本校工作人员可以安排本校的领导值班。",
        )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    return {int(i): name for i, name in rows if i is not None}


def _public(plan: DutyPlanDay, names: dict[int, str]) -> DutyPlanPublic:
    assert plan.id is not None
    return DutyPlanPublic(
        id=plan.id,
        site_id=plan.site_id,
        day=plan.day,
        cadre_id=plan.cadre_id,
        cadre_name=names.get(plan.cadre_id, ""),
        substitute_id=plan.substitute_id,
        substitute_name=names.get(plan.substitute_id) if plan.substitute_id else None,
    )


@router.get("/plan", response_model=list[DutyPlanPublic])
def get_plan(
    site_id: int,
    session: ReadSessionDep,
    scope: ScopeDep,
    date_from: PlausibleDate | None = None,
    date_to: PlausibleDate | None = None,
):
    """The school's plan from date_from to date_to (default: this week and the next)."""
    site = get_visible_site(session, scope=scope, site_id=site_id)
    start = date_from or utcnow().date() - timedelta(days=utcnow().date().weekday())
    end = date_to or start + timedelta(days=13)
    if end < start or (end - start).days >= MAX_PLAN_DAYS:
        raise Invalid(
            f"date_to must be on or after date_from and within {MAX_PLAN_DAYS} days of it.",
            message_zh=f"结束日期须不早于开始日期，且相差不超过 {MAX_PLAN_DAYS} 天。",
            details=[{"field": "date_to", "message": "out of range", "message_zh": "超出范围"}],
        )
    plans = session.exec(
        select(DutyPlanDay)
        .where(DutyPlanDay.site_id == site.id, DutyPlanDay.day >= start, DutyPlanDay.day <= end)
        .order_by(col(DutyPlanDay.day))
    ).all()
    names = _names(session, {p.cadre_id for p in plans} | {p.substitute_id or 0 for p in plans})
    return [_public(p, names) for p in plans]


@router.get("/cadres")
def cadres(site_id: int, session: ReadSessionDep, scope: ScopeDep) -> list[dict]:
    """Who may be planned at the school: its own staff first, then the town's leaders."""
    site = get_visible_site(session, scope=scope, site_id=site_id)
    users = session.exec(
        select(User).where(User.town_id == site.town_id, User.active).order_by(col(User.id))
    ).all()
    staff = [u for u in users if u.has_role(Role.school_staff) and u.home_site_id == site.id]
    leaders = [u for u in users if u.has_role(Role.leader) and u not in staff]
    return [
        {"id": u.id, "display_name": u.display_name, "school_staff": u in staff}
        for u in [*staff, *leaders]
    ]


def _cadre(session: Session, site: Site, user_id: int, field: str) -> User:
    user = session.get(User, user_id)
    problem = rules.cadre_problem(
        exists=user is not None,
        active=bool(user and user.active),
        same_town=bool(user and user.town_id == site.town_id),
    )
    if problem is not None:
        raise Invalid(
            f"{field}: {problem[0]}",
            message_zh=f"{field}：{problem[1]}",
            details=[{"field": field, "message": problem[0], "message_zh": problem[1]}],
        )
    assert user is not None
    return user


@router.put("/plan", response_model=DutyPlanPublic)
def set_plan(body: DutyPlanSet, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    """Names the duty cadre of one school on one day (and the substitute, 代班, if any);
    replaces the day's earlier entry. Online only: the plan is one per school and day, and
    the phones of the cadres need it before the day."""
    site = get_visible_site(session, scope=scope, site_id=body.site_id)
    _may_plan(user, scope, site)
    cadre = _cadre(session, site, body.cadre_id, "cadre_id")
    if body.substitute_id is not None:
        _cadre(session, site, body.substitute_id, "substitute_id")
        if body.substitute_id == cadre.id:
            raise Invalid(
                "The substitute must be someone other than the cadre.",
                message_zh="代班人员须不同于值班领导本人。",
                details=[
                    {
                        "field": "substitute_id",
                        "message": "same as cadre",
                        "message_zh": "与值班领导相同",
                    }
                ],
            )
    plan = session.exec(
        select(DutyPlanDay).where(DutyPlanDay.site_id == site.id, DutyPlanDay.day == body.day)
    ).first()
    before = audit.snapshot(plan)
    assert site.id is not None and cadre.id is not None and user.id is not None
    if plan is None:
        plan = DutyPlanDay(
            town_id=site.town_id,
            site_id=site.id,
            day=body.day,
            cadre_id=cadre.id,
            planned_by=user.id,
        )
    plan.cadre_id = cadre.id
    plan.substitute_id = body.substitute_id
    plan.planned_by = user.id
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="duty_plan.set",
        entity="duty_plan_day",
        entity_id=plan.id,
        before=before,
        after=audit.snapshot(plan),
    )
    return _public(plan, _names(session, {plan.cadre_id, plan.substitute_id or 0}))


@router.delete("/plan/{plan_id}", status_code=204)
def delete_plan(plan_id: int, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    """Takes a day off the plan, while nobody recorded it."""

    plan = session.get(DutyPlanDay, plan_id)
    if plan is None or not scope.sees_site(plan.site_id):
        raise NotFound(
            f"No duty plan entry with id {plan_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {plan_id} 的值班安排。",
        )
    site = session.get(Site, plan.site_id)
    assert site is not None
    _may_plan(user, scope, site)
    if session.exec(select(DutyRecord.id).where(DutyRecord.plan_id == plan.id)).first():
        raise Conflict(
            "The cadre recorded this day already; the plan entry stays.",
            message_zh="当天值班已登记，不能删除该值班安排。",
        )
    before = audit.snapshot(plan)
    session.delete(plan)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="duty_plan.delete",
        entity="duty_plan_day",
        entity_id=plan_id,
        before=before,
    )
