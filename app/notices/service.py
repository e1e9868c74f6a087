"""Notices and veto cases: who may read and change them, drafting from an area's lines,
review, issue, withdrawal. Services flush; the route's unit of work commits. Every office
write is audited."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.access import Scope, town_for_new
from app.audit import service as audit
from app.auth.models import Role, User
from app.boarding.models import RollCall
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.gate.models import GateCheck, VisitorEntry
from app.groups.models import PatrolGroup
from app.hazards.models import Hazard
from app.notices import rules
from app.notices.areas import DraftLine, Within, area, asked_area
from app.notices.models import (
    Notice,
    NoticeCreate,
    NoticeLine,
    NoticeLinePublic,
    NoticePublic,
    NoticeStatus,
    NoticeSummary,
    SubjectKind,
    VetoCase,
    VetoCaseCreate,
    VetoCasePublic,
)
from app.shifts.models import PatrolShift
from app.sites.models import DEFAULT_TIMEZONE, Site
from app.towns.models import Department, Town, Village

SUBJECT_ZH = {"group": "巡逻组", "school": "学校", "village": "村庄", "department": "部门"}
DEPARTMENT_ZH = {
    "education_office": "教委办",
    "police_station": "派出所",
    "traffic_police": "交警中队",
    "market_regulation": "工商所",
    "four_in_one": "四位一体办",
}
# The records a veto case may name as evidence, by the name the console uses.
EVIDENCE_RECORDS: dict[str, type] = {
    "hazard": Hazard,
    "shift": PatrolShift,
    "gate_check": GateCheck,
    "visitor": VisitorEntry,
    "roll_call": RollCall,
}
EVIDENCE_ZH = {
    "notice": "通报",
    "hazard": "安全隐患",
    "shift": "巡逻班次",
    "gate_check": "校门口签到",
    "visitor": "访客登记",
    "roll_call": "就寝点名",
}


# --- who may do what ---------------------------------------------------------------------------


def is_office(user: User, scope: Scope, town_id: int) -> bool:
    """The town's supervisors and admins (a county account for every town of its county)."""
    return user.has_role(Role.supervisor, Role.admin) and scope.sees_town(town_id)


def check_supervisor(user: User, scope: Scope, town_id: int) -> None:
    """Drafting, review, issue, withdrawal and veto cases: the town's supervisors only."""
    if not scope.sees_town(town_id):
        raise NotFound("No such town within your reach.", message_zh="没有您可查看的该镇。")
    if not user.has_role(Role.supervisor):
        raise Forbidden(
            "Only a supervisor (督查) of the town drafts, issues and withdraws notices and "
            "veto cases.",
            message_zh="只有本镇督查可以起草、印发、撤销通报和一票否决事项。",
        )


def _named_condition(user: User, scope: Scope):
    """A kept line names the caller: the leader of a named group, the staff of a named
    school, the staff of a named department, the cadres of a named village."""
    terms = []
    if scope.led_group_ids:
        terms.append(
            and_(
                col(NoticeLine.subject_kind) == SubjectKind.group.value,
                col(NoticeLine.subject_id).in_([str(g) for g in scope.led_group_ids]),
            )
        )
    if user.home_site_id is not None and user.has_role(Role.school_staff, Role.gate):
        terms.append(
            and_(
                col(NoticeLine.subject_kind) == SubjectKind.school.value,
                col(NoticeLine.subject_id) == str(user.home_site_id),
            )
        )
    if user.department and user.has_role(Role.department):
        terms.append(
            and_(
                col(NoticeLine.subject_kind) == SubjectKind.department.value,
                col(NoticeLine.subject_id) == str(user.department),
            )
        )
    if user.village_id is not None and user.has_role(Role.village):
        terms.append(
            and_(
                col(NoticeLine.subject_kind) == SubjectKind.village.value,
                col(NoticeLine.subject_id) == str(user.village_id),
            )
        )
    return or_(*terms) if terms else false()


def _names_caller(session: Session, user: User, scope: Scope, notice: Notice) -> bool:
    hit = session.exec(
        select(NoticeLine.id).where(
            NoticeLine.notice_id == notice.id,
            col(NoticeLine.dropped).is_(False),
            _named_condition(user, scope),
        )
    ).first()
    return hit is not None


def readable_notice(session: Session, user: User, scope: Scope, notice_id: int) -> Notice:
    """A draft: the town's supervisors; issued or withdrawn: the town's supervisors and
    admins and whoever a kept line names. Anyone else: 404, as for one that does not exist."""
    notice = session.get(Notice, notice_id)
    if notice is not None and scope.sees_town(notice.town_id):
        if notice.status == NoticeStatus.draft.value:
            if user.has_role(Role.supervisor):
                return notice
        elif is_office(user, scope, notice.town_id) or (
            user.town_id == notice.town_id and _names_caller(session, user, scope, notice)
        ):
            return notice
    raise NotFound(
        f"No notice with id {notice_id} that you can see.",
        message_zh=f"没有您可查看的、编号为 {notice_id} 的通报。",
    )


def notice_for_change(session: Session, user: User, scope: Scope, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or not scope.sees_town(notice.town_id):
        raise NotFound(
            f"No notice with id {notice_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {notice_id} 的通报。",
        )
    check_supervisor(user, scope, notice.town_id)
    return notice


def list_notices(
    session: Session, user: User, scope: Scope, *, status: str | None, year: int | None
) -> list[NoticeSummary]:
    office_towns = sorted(scope.town_ids) if user.has_role(Role.supervisor, Role.admin) else []
    stmt = select(Notice)
    if office_towns:
        stmt = stmt.where(col(Notice.town_id).in_(office_towns))
        if not user.has_role(Role.supervisor):  # an admin reads what is issued
            stmt = stmt.where(Notice.status != NoticeStatus.draft.value)
    else:
        named = select(NoticeLine.notice_id).where(
            col(NoticeLine.dropped).is_(False), _named_condition(user, scope)
        )
        stmt = stmt.where(
            Notice.town_id == user.town_id,
            Notice.status != NoticeStatus.draft.value,
            col(Notice.id).in_(named),
        )
    if status:
        stmt = stmt.where(Notice.status == status)
    if year:
        stmt = stmt.where(Notice.year == year)
    notices = session.exec(stmt.order_by(col(Notice.id).desc())).all()
    counts = dict(
        session.exec(
            select(NoticeLine.notice_id, func.count())
            .where(
                col(NoticeLine.notice_id).in_([n.id for n in notices] or [-1]),
                col(NoticeLine.dropped).is_(False),
            )
            .group_by(col(NoticeLine.notice_id))
        ).all()
    )
    out = []
    for n in notices:
        a = area(n.area)
        out.append(
            NoticeSummary(
                **n.model_dump(include=set(NoticeSummary.model_fields) - {"lines"}),
                area_zh=a.label_zh,
                area_en=a.label_en,
                lines=counts.get(n.id or 0, 0),
            )
        )
    return out


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted)))
    return {i: name for i, name in rows.all() if i is not None}


def public(session: Session, user: User, scope: Scope, notice: Notice) -> NoticePublic:
    office = is_office(user, scope, notice.town_id)
    stmt = select(NoticeLine).where(NoticeLine.notice_id == notice.id)
    if not office:
        stmt = stmt.where(col(NoticeLine.dropped).is_(False))
    lines = session.exec(stmt.order_by(col(NoticeLine.position))).all()
    names = _names(session, {notice.drafted_by, notice.issued_by, notice.withdrawn_by})
    town = session.get(Town, notice.town_id)
    a = area(notice.area)
    return NoticePublic(
        **notice.model_dump(include=set(NoticePublic.model_fields)),
        town_name=town.name if town else "",
        area_zh=a.label_zh,
        area_en=a.label_en,
        drafted_by_name=names.get(notice.drafted_by, ""),
        issued_by_name=names.get(notice.issued_by or 0),
        withdrawn_by_name=names.get(notice.withdrawn_by or 0),
        lines=[NoticeLinePublic.model_validate(x, from_attributes=True) for x in lines],
    )


# --- drafting and review -----------------------------------------------------------------------


def town_within(session: Session, town_id: int) -> Within:
    sites = session.exec(
        select(Site).where(Site.town_id == town_id, Site.active).order_by(col(Site.id))
    ).all()
    groups = session.exec(
        select(PatrolGroup.id).where(PatrolGroup.town_id == town_id, PatrolGroup.active)
    ).all()
    return Within(town_id=town_id, sites=list(sites), group_ids=[g for g in groups if g])


def draft(session: Session, user: User, scope: Scope, body: NoticeCreate, now: datetime) -> Notice:
    town_id = town_for_new(scope, body.town_id)
    check_supervisor(user, scope, town_id)
    rules.check_period(body.date_from, body.date_to)
    the_area = asked_area(body.area)
    found: list[DraftLine] = the_area.lines(
        session, town_within(session, town_id), body.date_from, body.date_to, now
    )
    if len(found) > rules.MAX_DRAFT_LINES:
        raise Invalid(
            f"{len(found)} lines: draft a shorter period.",
            message_zh=f"共 {len(found)} 条，请缩短通报的时段。",
        )
    title = body.title or (
        f"关于{body.date_from:%Y年%m月%d日}至{body.date_to:%Y年%m月%d日}"
        f"{the_area.label_zh}情况的通报"
    )
    notice = Notice(
        town_id=town_id,
        area=the_area.code,
        date_from=body.date_from,
        date_to=body.date_to,
        title=title,
        drafted_by=user.id or 0,
        drafted_at=now,
    )
    session.add(notice)
    session.flush()
    seen: set[str] = set()
    for position, line in enumerate(found, start=1):
        if line.ref in seen:  # one figure, one line
            continue
        seen.add(line.ref)
        session.add(NoticeLine(notice_id=notice.id or 0, position=position, **line.__dict__))
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=town_id,
        action="notice.draft",
        entity="notice",
        entity_id=notice.id,
        after={**(audit.snapshot(notice) or {}), "lines": len(seen)},
    )
    return notice


def update(session: Session, user: User, notice: Notice, changes: dict) -> Notice:
    rules.check_draft(notice)
    if empty := [k for k, v in changes.items() if v is None]:
        raise Invalid(
            f"{empty[0]} cannot be null; leave it out to keep it.",
            message_zh=f"{empty[0]} 不能为空；不修改请不要填写该项。",
            details=[{"field": k, "message": "null", "message_zh": "不能为空"} for k in empty],
        )
    before = audit.snapshot(notice)
    for key, value in changes.items():
        setattr(notice, key, value)
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=notice.town_id,
        action="notice.update",
        entity="notice",
        entity_id=notice.id,
        before=before,
        after=audit.snapshot(notice),
    )
    return notice


def _line(session: Session, notice: Notice, line_id: int) -> NoticeLine:
    line = session.get(NoticeLine, line_id)
    if line is None or line.notice_id != notice.id:
        raise NotFound(
            f"Notice {notice.id} has no line {line_id}.",
            message_zh=f"该通报没有编号为 {line_id} 的条目。",
        )
    return line


def set_dropped(
    session: Session, user: User, notice: Notice, line_id: int, reason: str | None
) -> NoticeLine:
    """Drops a line with a reason (reason given) or puts it back (reason None)."""
    rules.check_draft(notice)
    line = _line(session, notice, line_id)
    before = audit.snapshot(line)
    line.dropped = reason is not None
    line.drop_reason = reason or ""
    session.add(line)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=notice.town_id,
        action="notice.line_drop" if reason is not None else "notice.line_restore",
        entity="notice_line",
        entity_id=line.id,
        before=before,
        after=audit.snapshot(line),
    )
    return line


def issue(session: Session, user: User, notice: Notice, now: datetime) -> Notice:
    rules.check_draft(notice)
    kept = session.exec(
        select(func.count())
        .select_from(NoticeLine)
        .where(NoticeLine.notice_id == notice.id, col(NoticeLine.dropped).is_(False))
    ).one()
    rules.check_issuable(kept)
    town = session.get(Town, notice.town_id)
    assert town is not None
    year = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year
    last = session.exec(
        select(func.max(Notice.seq)).where(Notice.town_id == notice.town_id, Notice.year == year)
    ).one()
    before = audit.snapshot(notice)
    notice.year, notice.seq = year, (last or 0) + 1
    notice.number = rules.notice_number(town.name, year, notice.seq)
    notice.status = NoticeStatus.issued.value
    notice.issued_by, notice.issued_at = user.id, now
    session.add(notice)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "Another notice took that number at the same moment; issue again.",
            message_zh="另一份通报同时占用了该文号，请重新印发。",
        ) from None
    audit.record(
        session,
        actor_id=user.id,
        town_id=notice.town_id,
        action="notice.issue",
        entity="notice",
        entity_id=notice.id,
        before=before,
        after=audit.snapshot(notice),
    )
    return notice


def withdraw(session: Session, user: User, notice: Notice, reason: str, now: datetime) -> Notice:
    rules.check_withdrawable(notice)
    before = audit.snapshot(notice)
    notice.status = NoticeStatus.withdrawn.value
    notice.withdrawn_by, notice.withdrawn_at, notice.withdraw_reason = user.id, now, reason
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=notice.town_id,
        action="notice.withdraw",
        entity="notice",
        entity_id=notice.id,
        before=before,
        after=audit.snapshot(notice),
    )
    return notice


# --- veto cases --------------------------------------------------------------------------------


def _subject_name(session: Session, town_id: int, kind: str, subject_id: str) -> str:
    """The subject's name, checked to be of the town (422 otherwise)."""
    name: str | None = None
    if kind == SubjectKind.department.value:
        if subject_id in {d.value for d in Department}:
            name = DEPARTMENT_ZH[subject_id]
    elif subject_id.isdigit():
        row: PatrolGroup | Site | Village | None
        if kind == SubjectKind.group.value:
            row = session.get(PatrolGroup, int(subject_id))
        elif kind == SubjectKind.school.value:
            row = session.get(Site, int(subject_id))
        else:
            row = session.get(Village, int(subject_id))
        if row is not None and row.town_id == town_id:
            name = row.name
    if name is None:
        raise Invalid(
            f"There is no {kind} {subject_id!r} in the town.",
            message_zh=f"本镇没有编号为 {subject_id} 的{SUBJECT_ZH[kind]}。",
            details=[
                {"field": "subject_id", "message": "not of the town", "message_zh": "不属于本镇"}
            ],
        )
    return name


def _evidence_label(session: Session, town_id: int, kind: str, ref: str) -> str:
    """The evidence must exist and be of the town: an issued notice, or a record of one of
    its sites."""
    if kind == "notice":
        notice = session.get(Notice, int(ref)) if ref.isdigit() else None
        if (
            notice is not None
            and notice.town_id == town_id
            and notice.status == NoticeStatus.issued.value
        ):
            return notice.number or ""
        raise Invalid(
            f"There is no issued notice {ref!r} of the town.",
            message_zh=f"本镇没有已印发的编号为 {ref} 的通报。",
            details=[
                {
                    "field": "evidence_ref",
                    "message": "not an issued notice of the town",
                    "message_zh": "不是本镇已印发的通报",
                }
            ],
        )
    model = EVIDENCE_RECORDS.get(kind)
    if model is None:
        known = ", ".join(["notice", *EVIDENCE_RECORDS])
        raise Invalid(
            f"Evidence is one of {known}, not {kind!r}.",
            message_zh="佐证须为通报或一条记录（隐患、巡逻班次、校门口签到、访客登记、就寝点名）。",
            details=[
                {"field": "evidence_kind", "message": "unknown", "message_zh": "未知的佐证类型"}
            ],
        )
    record = session.get(model, ref)
    site = session.get(Site, record.site_id) if record is not None else None
    if record is None or site is None or site.town_id != town_id:
        raise Invalid(
            f"There is no {kind} record {ref!r} in the town.",
            message_zh=f"本镇没有编号为 {ref} 的{EVIDENCE_ZH[kind]}记录。",
            details=[
                {
                    "field": "evidence_ref",
                    "message": "not a record of the town",
                    "message_zh": "不是本镇的记录",
                }
            ],
        )
    what = getattr(record, "description", "") or getattr(record, "name", "") or ""
    return f"{EVIDENCE_ZH[kind]}：{site.name} {what}".strip()[:300]


def record_veto(
    session: Session, user: User, scope: Scope, body: VetoCaseCreate, town_id: int | None
) -> VetoCase:
    town = town_for_new(scope, town_id)
    check_supervisor(user, scope, town)
    kind = body.subject_kind.value
    case = VetoCase(
        town_id=town,
        subject_kind=kind,
        subject_id=body.subject_id,
        subject_name=_subject_name(session, town, kind, body.subject_id),
        occurred_on=body.occurred_on,
        reason=body.reason,
        evidence_kind=body.evidence_kind,
        evidence_ref=body.evidence_ref,
        evidence_label=_evidence_label(session, town, body.evidence_kind, body.evidence_ref),
        recorded_by=user.id or 0,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=town,
        action="veto_case.create",
        entity="veto_case",
        entity_id=case.id,
        after=audit.snapshot(case),
    )
    return case


def veto_for_change(session: Session, user: User, scope: Scope, case_id: int) -> VetoCase:
    case = session.get(VetoCase, case_id)
    if case is None or not scope.sees_town(case.town_id):
        raise NotFound(
            f"No veto case with id {case_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {case_id} 的一票否决事项。",
        )
    check_supervisor(user, scope, case.town_id)
    return case


def withdraw_veto(
    session: Session, user: User, case: VetoCase, reason: str, now: datetime
) -> VetoCase:
    if case.withdrawn_at is not None:
        raise Conflict("The veto case was withdrawn already.", message_zh="该一票否决事项已撤销。")
    before = audit.snapshot(case)
    case.withdrawn_by, case.withdrawn_at, case.withdraw_reason = user.id, now, reason
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=case.town_id,
        action="veto_case.withdraw",
        entity="veto_case",
        entity_id=case.id,
        before=before,
        after=audit.snapshot(case),
    )
    return case


def list_veto(
    session: Session, scope: Scope, date_from: date | None, date_to: date | None
) -> list[VetoCase]:
    stmt = select(VetoCase).where(col(VetoCase.town_id).in_(sorted(scope.town_ids) or [-1]))
    if date_from:
        stmt = stmt.where(VetoCase.occurred_on >= date_from)
    if date_to:
        stmt = stmt.where(VetoCase.occurred_on <= date_to)
    return list(session.exec(stmt.order_by(col(VetoCase.occurred_on), col(VetoCase.id))).all())


def veto_public(session: Session, cases: list[VetoCase]) -> list[VetoCasePublic]:
    people: set[int | None] = {c.recorded_by for c in cases}
    people |= {c.withdrawn_by for c in cases}
    names = _names(session, people)
    return [
        VetoCasePublic(
            **c.model_dump(include=set(VetoCasePublic.model_fields)),
            recorded_by_name=names.get(c.recorded_by, ""),
            withdrawn=c.withdrawn_at is not None,
            withdrawn_by_name=names.get(c.withdrawn_by or 0),
        )
        for c in cases
    ]
