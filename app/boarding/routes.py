"""The office side of boarding: a school's dormitories and boarding pupils. The town's admin
and the school's own staff (school_staff of that school) set them up; whoever sees the school
reads them. Every change is audited."""

from fastapi import APIRouter
from sqlmodel import Session, col, func, select

from app.access import Scope, ScopeDep
from app.audit import service as audit
from app.auth.deps import CurrentUser
from app.auth.models import Role, User
from app.boarding.models import (
    BoardingPupil,
    Dormitory,
    DormitoryCreate,
    DormitoryPublic,
    PupilCreate,
    PupilPublic,
    PupilUpdate,
)
from app.db import ReadSessionDep, WriteSessionDep
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.sites.models import Site
from app.sites.service import get_visible_site

router = APIRouter(prefix="/api/boarding", tags=["boarding"])


def _may_manage(user: User, scope: Scope, site: Site) -> None:
    """The town's admin, or the school's own staff."""
    admin = user.has_role(Role.admin) and scope.sees_town(site.town_id)
    staff = user.has_role(Role.school_staff) and user.home_site_id == site.id
    if not (admin or staff):
        raise Forbidden(
            "Only the town's admin or this school's staff may change its dormitories and pupils.",
            message_zh="只有本镇管理员或本校工作人员可以修改本校的宿舍和住宿生。",
        )


def _dormitory(session: Session, scope: Scope, dormitory_id: int) -> Dormitory:
    dorm = session.get(Dormitory, dormitory_id)
    if dorm is None or not scope.sees_site(dorm.site_id):
        raise NotFound(
            f"No dormitory with id {dormitory_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {dormitory_id} 的宿舍。",
        )
    return dorm


def _dorm_public(session: Session, dorm: Dormitory) -> DormitoryPublic:
    count = session.exec(
        select(func.count())
        .select_from(BoardingPupil)
        .where(BoardingPupil.dormitory_id == dorm.id, BoardingPupil.active)
    ).one()
    return DormitoryPublic.model_validate(dorm, from_attributes=True, update={"pupils": count})


@router.get("/dormitories", response_model=list[DormitoryPublic])
def list_dormitories(site_id: int, session: ReadSessionDep, scope: ScopeDep):
    site = get_visible_site(session, scope=scope, site_id=site_id)
    dorms = session.exec(
        select(Dormitory).where(Dormitory.site_id == site.id).order_by(Dormitory.name)
    ).all()
    return [_dorm_public(session, d) for d in dorms]


@router.post("/dormitories", response_model=DormitoryPublic, status_code=201)
def create_dormitory(
    body: DormitoryCreate, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep
):
    site = get_visible_site(session, scope=scope, site_id=body.site_id)
    _may_manage(user, scope, site)
    taken = select(Dormitory.id).where(Dormitory.site_id == site.id, Dormitory.name == body.name)
    if session.exec(taken).first() is not None:
        raise Conflict(
            f"{site.name} has a dormitory named {body.name!r} already.",
            message_zh=f"{site.name}已有名为“{body.name}”的宿舍。",
        )
    dorm = Dormitory(site_id=body.site_id, name=body.name)
    session.add(dorm)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="dormitory.create",
        entity="dormitory",
        entity_id=dorm.id,
        after=audit.snapshot(dorm),
    )
    return _dorm_public(session, dorm)


@router.get("/pupils", response_model=list[PupilPublic])
def list_pupils(
    site_id: int, session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False
):
    site = get_visible_site(session, scope=scope, site_id=site_id)
    query = select(BoardingPupil).where(BoardingPupil.site_id == site.id)
    if not include_inactive:
        query = query.where(BoardingPupil.active)
    query = query.order_by(
        col(BoardingPupil.dormitory_id), col(BoardingPupil.name), col(BoardingPupil.id)
    )
    return [PupilPublic.model_validate(p, from_attributes=True) for p in session.exec(query)]


@router.post("/pupils", response_model=PupilPublic, status_code=201)
def create_pupil(body: PupilCreate, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    dorm = _dormitory(session, scope, body.dormitory_id)
    site = session.get(Site, dorm.site_id)
    assert site is not None
    _may_manage(user, scope, site)
    pupil = BoardingPupil(
        site_id=dorm.site_id,
        dormitory_id=body.dormitory_id,
        name=body.name,
        class_name=body.class_name,
    )
    session.add(pupil)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="boarding_pupil.create",
        entity="boarding_pupil",
        entity_id=pupil.id,
        after=audit.snapshot(pupil),
    )
    return PupilPublic.model_validate(pupil, from_attributes=True)


@router.patch("/pupils/{pupil_id}", response_model=PupilPublic)
def update_pupil(
    pupil_id: int,
    body: PupilUpdate,
    session: WriteSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
):
    """Moves a pupil to another dormitory of the school, changes the class, or stops their
    boarding (`active: false`); the roll calls already taken keep their names."""
    pupil = session.get(BoardingPupil, pupil_id)
    if pupil is None or not scope.sees_site(pupil.site_id):
        raise NotFound(
            f"No boarding pupil with id {pupil_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {pupil_id} 的住宿生。",
        )
    site = session.get(Site, pupil.site_id)
    assert site is not None
    _may_manage(user, scope, site)
    changes = body.model_dump(exclude_unset=True)
    if empty := [k for k, v in changes.items() if v is None]:
        raise Invalid(
            f"{empty[0]} cannot be null; leave it out to keep it.",
            message_zh=f"{empty[0]} 不能为空；不修改请不要填写该项。",
            details=[{"field": k, "message": "null", "message_zh": "不能为空"} for k in empty],
        )
    if "dormitory_id" in changes:
        dorm = session.get(Dormitory, changes["dormitory_id"])
        if dorm is None or dorm.site_id != pupil.site_id:
            raise Invalid(
                "The dormitory must be one of the pupil's school.",
                message_zh="宿舍须是该生所在学校的宿舍。",
                details=[
                    {
                        "field": "dormitory_id",
                        "message": "not of this school",
                        "message_zh": "不是该校的宿舍",
                    }
                ],
            )
    before = audit.snapshot(pupil)
    for key, value in changes.items():
        setattr(pupil, key, value)
    session.add(pupil)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="boarding_pupil.update",
        entity="boarding_pupil",
        entity_id=pupil.id,
        before=before,
        after=audit.snapshot(pupil),
    )
    return PupilPublic.model_validate(pupil, from_attributes=True)
