"""The office side of notices (通报) and veto cases (一票否决). Drafting, review, issue and
withdrawal: the town's supervisors; reading: see app.notices.service.readable_notice. The
CSV/xlsx export of a notice is a report (app/reports/routes.py)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.access import ScopeDep
from app.auth.deps import CurrentUser
from app.auth.models import Role
from app.db import ReadSessionDep, WriteSessionDep, utcnow
from app.errors import Forbidden
from app.fields import PlausibleDate
from app.notices import service
from app.notices.areas import AREAS
from app.notices.models import (
    AreaPublic,
    NoticeCreate,
    NoticePublic,
    NoticeStatus,
    NoticeSummary,
    NoticeUpdate,
    Reason,
    VetoCaseCreate,
    VetoCasePublic,
)

router = APIRouter(prefix="/api", tags=["notices"])

StatusQuery = Annotated[NoticeStatus | None, Query(description="draft, issued or withdrawn")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="the year of issue")]
TownQuery = Annotated[int | None, Query(description="a county supervisor's town; default own")]


@router.get("/notices/areas", response_model=list[AreaPublic])
def list_areas(user: CurrentUser):
    """The areas a notice can be drafted for, with their labels."""
    return [
        AreaPublic(code=a.code, label_zh=a.label_zh, label_en=a.label_en) for a in AREAS.values()
    ]


@router.get("/notices", response_model=list[NoticeSummary])
def list_notices(
    session: ReadSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
    status: StatusQuery = None,
    year: YearQuery = None,
):
    """The town's notices for its supervisors (drafts too) and admins; for anyone else the
    issued ones that name them (their group, school, department or village)."""
    return service.list_notices(
        session, user, scope, status=status.value if status else None, year=year
    )


@router.post("/notices", response_model=NoticePublic, status_code=201)
def draft_notice(body: NoticeCreate, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    """A draft for a period and an area, its lines from that area's report figures."""
    notice = service.draft(session, user, scope, body, utcnow())
    return service.public(session, user, scope, notice)


@router.get("/notices/{notice_id}", response_model=NoticePublic)
def get_notice(notice_id: int, session: ReadSessionDep, user: CurrentUser, scope: ScopeDep):
    notice = service.readable_notice(session, user, scope, notice_id)
    return service.public(session, user, scope, notice)


@router.patch("/notices/{notice_id}", response_model=NoticePublic)
def update_notice(
    notice_id: int,
    body: NoticeUpdate,
    session: WriteSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
):
    """A draft's title and remark (按语); an issued notice never changes (409)."""
    notice = service.notice_for_change(session, user, scope, notice_id)
    service.update(session, user, notice, body.model_dump(exclude_unset=True))
    return service.public(session, user, scope, notice)


@router.post("/notices/{notice_id}/lines/{line_id}/drop", response_model=NoticePublic)
def drop_line(
    notice_id: int,
    line_id: int,
    body: Reason,
    session: WriteSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
):
    """Leaves a line out of the notice, with the reason (kept, shown to the office)."""
    notice = service.notice_for_change(session, user, scope, notice_id)
    service.set_dropped(session, user, notice, line_id, body.reason)
    return service.public(session, user, scope, notice)


@router.post("/notices/{notice_id}/lines/{line_id}/restore", response_model=NoticePublic)
def restore_line(
    notice_id: int, line_id: int, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep
):
    notice = service.notice_for_change(session, user, scope, notice_id)
    service.set_dropped(session, user, notice, line_id, None)
    return service.public(session, user, scope, notice)


@router.post("/notices/{notice_id}/issue", response_model=NoticePublic)
def issue_notice(notice_id: int, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep):
    """Numbers the notice (青山镇〔2026〕3号) and makes it immutable."""
    notice = service.notice_for_change(session, user, scope, notice_id)
    service.issue(session, user, notice, utcnow())
    return service.public(session, user, scope, notice)


@router.post("/notices/{notice_id}/withdraw", response_model=NoticePublic)
def withdraw_notice(
    notice_id: int, body: Reason, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep
):
    """Withdraws an issued notice with the reason; both stay on record."""
    notice = service.notice_for_change(session, user, scope, notice_id)
    service.withdraw(session, user, notice, body.reason, utcnow())
    return service.public(session, user, scope, notice)


@router.get("/veto-cases", response_model=list[VetoCasePublic])
def list_veto_cases(
    session: ReadSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
    date_from: Annotated[PlausibleDate | None, Query(alias="from")] = None,
    date_to: Annotated[PlausibleDate | None, Query(alias="to")] = None,
):
    """The veto cases of the caller's towns (withdrawn ones too), for supervisors and admins."""
    if not user.has_role(Role.supervisor, Role.admin):
        raise Forbidden(
            "Only supervisors and admins read the veto cases.",
            message_zh="只有督查和管理员可以查看一票否决事项。",
        )
    return service.veto_public(session, service.list_veto(session, scope, date_from, date_to))


@router.post("/veto-cases", response_model=VetoCasePublic, status_code=201)
def record_veto_case(
    body: VetoCaseCreate,
    session: WriteSessionDep,
    user: CurrentUser,
    scope: ScopeDep,
    town_id: TownQuery = None,
):
    """A supervisor's one-vote-veto case against a subject, with the reason and evidence (an
    issued notice's id, or a record: hazard, shift, gate_check, visitor, roll_call)."""
    case = service.record_veto(session, user, scope, body, town_id)
    return service.veto_public(session, [case])[0]


@router.post("/veto-cases/{case_id}/withdraw", response_model=VetoCasePublic)
def withdraw_veto_case(
    case_id: int, body: Reason, session: WriteSessionDep, user: CurrentUser, scope: ScopeDep
):
    """Withdraws a veto case with the reason: listed from then on, no longer counted."""
    case = service.veto_for_change(session, user, scope, case_id)
    service.withdraw_veto(session, user, case, body.reason, utcnow())
    return service.veto_public(session, [case])[0]
