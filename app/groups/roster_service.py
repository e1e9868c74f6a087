"""Duty rosters (值班表): a leader plans her group's shifts for a period and submits them.

Lifecycle: a roster is a draft until its leader submits it (submitted_at/submitted_by set).
A submitted roster is frozen: adding or removing shifts, or submitting again, is 409. A
supervisor (督查) or admin may reopen it, which clears submitted_at/submitted_by so the leader
can change it and submit again. Every change, submission and reopening is audited.
Who may do what: the group's leader (and admins) write; the group's leader and members read;
supervisors and admins read every roster.
"""

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from app.access import Scope
from app.audit import service as audit
from app.auth.models import Role, User
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    Roster,
    RosterCreate,
    RosterPublic,
    RosterShift,
    RosterShiftCreate,
    RosterShiftMember,
    RosterShiftPublic,
)
from app.sites.models import Site


def _may_write(user: User, group: PatrolGroup, scope: Scope) -> bool:
    if user.has_role(Role.admin):
        return scope.sees_town(group.town_id)
    return group.active and group.leader_id == user.id and user.has_role(Role.leader)


def _check_write(user: User, group: PatrolGroup, scope: Scope) -> None:
    if not _may_write(user, group, scope):
        raise Forbidden(
            "Only the leader (组长) of this patrol group may change its roster.",
            message_zh="只有本巡逻组的组长可以修改值班表。",
        )


def _snapshot(roster: Roster) -> dict:
    return roster.model_dump(mode="json")


def _audit(session, *, actor_id, action, roster, before=None, after=None) -> None:
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        entity="roster",
        entity_id=roster.id,
        before=before,
        after=after if after is not None else _snapshot(roster),
    )


def create_roster(session: Session, *, user: User, scope: Scope, data: RosterCreate) -> Roster:
    """A draft roster for one of the caller's groups."""
    group = session.get(PatrolGroup, data.group_id)
    if group is None or not scope.sees_town(group.town_id):
        raise NotFound(
            f"No patrol group with id {data.group_id}.",
            message_zh=f"没有编号为 {data.group_id} 的巡逻组。",
        )
    _check_write(user, group, scope)
    roster = Roster.model_validate(data)
    session.add(roster)
    session.flush()
    _audit(session, actor_id=user.id, action="roster.create", roster=roster)
    return roster


def list_rosters(session: Session, *, scope: Scope, group_id: int | None = None) -> list[Roster]:
    """Rosters the caller may read, newest period first."""
    query = select(Roster).order_by(Roster.period_start.desc(), Roster.id.desc())
    if group_id is not None:
        query = query.where(Roster.group_id == group_id)
    ids = scope.group_filter()
    if ids is not None:
        if not ids:
            return []
        query = query.where(Roster.group_id.in_(ids))
    return list(session.exec(query).all())


def get_readable_roster(session: Session, *, scope: Scope, roster_id: int) -> Roster:
    roster = session.get(Roster, roster_id)
    group = session.get(PatrolGroup, roster.group_id) if roster is not None else None
    if roster is None or group is None or not scope.sees_town(group.town_id):
        raise NotFound(
            f"No roster with id {roster_id}.", message_zh=f"没有编号为 {roster_id} 的值班表。"
        )
    if not scope.sees_group(roster.group_id):
        raise Forbidden(
            "You can only see the rosters of the groups you lead or belong to.",
            message_zh="只能查看您带领或所在巡逻组的值班表。",
        )
    return roster


def get_writable_roster(session: Session, *, user: User, scope: Scope, roster_id: int) -> Roster:
    """The roster if the caller leads its group and it is still a draft."""
    roster = session.get(Roster, roster_id)
    group = session.get(PatrolGroup, roster.group_id) if roster is not None else None
    if roster is None or group is None or not scope.sees_town(group.town_id):
        raise NotFound(
            f"No roster with id {roster_id}.", message_zh=f"没有编号为 {roster_id} 的值班表。"
        )
    _check_write(user, group, scope)
    if roster.submitted_at is not None:
        raise Conflict(
            "This roster was submitted and is frozen; ask a supervisor (督查) to reopen it.",
            message_zh="该值班表已上报并锁定，请督查重新打开后再修改。",
        )
    return roster


def _local_date(site: Site, when) -> date:
    return when.astimezone(ZoneInfo(site.timezone)).date()


def add_shift(
    session: Session, *, roster: Roster, data: RosterShiftCreate, actor_id: int
) -> RosterShift:
    """Plans a shift at one of the group's sites with members of the group."""
    problems: list[dict] = []
    site = session.get(Site, data.site_id)
    in_group = session.get(GroupSite, (roster.group_id, data.site_id)) is not None
    if site is None or not site.active or not in_group:
        problems.append(
            {
                "field": "site_id",
                "message": "not an active site of this group",
                "message_zh": "不是本组负责的在用场所",
            }
        )
    member_ids = sorted(set(data.member_ids))
    group = session.get(PatrolGroup, roster.group_id)
    in_group_ids = set(
        session.exec(
            select(GroupMember.user_id).where(
                GroupMember.group_id == roster.group_id, GroupMember.user_id.in_(member_ids)
            )
        ).all()
    ) | ({group.leader_id} if group.leader_id else set())
    outsiders = [uid for uid in member_ids if uid not in in_group_ids]
    if outsiders:
        problems.append(
            {
                "field": "member_ids",
                "message": f"not members of this group: {outsiders}",
                "message_zh": f"以下用户不是本组成员：{outsiders}",
            }
        )
    if site is not None and not problems:
        day = _local_date(site, data.starts_at)
        if not roster.period_start <= day <= roster.period_end:
            problems.append(
                {
                    "field": "starts_at",
                    "message": f"starts on {day}, outside the roster period "
                    f"{roster.period_start}..{roster.period_end}",
                    "message_zh": f"开始日期 {day} 不在值班表周期 "
                    f"{roster.period_start} 至 {roster.period_end} 内",
                }
            )
    if problems:
        first = problems[0]
        raise Invalid(
            f"Cannot plan this shift: {first['field']}: {first['message']}.",
            message_zh=f"无法安排该班次：{first['field']}：{first['message_zh']}。",
            details=problems,
        )
    shift = RosterShift(
        roster_id=roster.id, site_id=data.site_id, starts_at=data.starts_at, ends_at=data.ends_at
    )
    session.add(shift)
    session.flush()
    session.add_all(RosterShiftMember(roster_shift_id=shift.id, user_id=u) for u in member_ids)
    session.flush()
    _audit(
        session,
        actor_id=actor_id,
        action="roster.add_shift",
        roster=roster,
        after=shift_public(session, shift).model_dump(mode="json"),
    )
    return shift


def remove_shift(session: Session, *, roster: Roster, shift_id: int, actor_id: int) -> None:
    shift = session.get(RosterShift, shift_id)
    if shift is None or shift.roster_id != roster.id:
        raise NotFound(
            f"No shift with id {shift_id} in roster {roster.id}.",
            message_zh=f"值班表 {roster.id} 中没有编号为 {shift_id} 的班次。",
        )
    before = shift_public(session, shift).model_dump(mode="json")
    for row in session.exec(
        select(RosterShiftMember).where(RosterShiftMember.roster_shift_id == shift.id)
    ).all():
        session.delete(row)
    session.flush()
    session.delete(shift)
    session.flush()
    _audit(
        session,
        actor_id=actor_id,
        action="roster.remove_shift",
        roster=roster,
        before=before,
        after={},
    )


def submit(session: Session, *, roster: Roster, user: User) -> Roster:
    """Hands the roster in to the town office; it is frozen afterwards."""
    has_shift = session.exec(select(RosterShift.id).where(RosterShift.roster_id == roster.id))
    if has_shift.first() is None:
        raise Invalid(
            "This roster has no shifts yet; plan the shifts before submitting.",
            message_zh="该值班表还没有班次，请先安排班次再上报。",
            details=[{"field": "shifts", "message": "empty", "message_zh": "还没有班次"}],
        )
    before = _snapshot(roster)
    roster.submitted_at, roster.submitted_by = utcnow(), user.id
    session.add(roster)
    session.flush()
    _audit(session, actor_id=user.id, action="roster.submit", roster=roster, before=before)
    return roster


def reopen(session: Session, *, roster: Roster, user: User) -> Roster:
    """A supervisor or admin sends a submitted roster back to its leader for changes."""
    if roster.submitted_at is None:
        raise Conflict(
            "This roster is not submitted; there is nothing to reopen.",
            message_zh="该值班表尚未上报，无需重新打开。",
        )
    before = _snapshot(roster)
    roster.submitted_at, roster.submitted_by = None, None
    session.add(roster)
    session.flush()
    _audit(session, actor_id=user.id, action="roster.reopen", roster=roster, before=before)
    return roster


def shift_public(
    session: Session, shift: RosterShift, *, required: int | None = None
) -> RosterShiftPublic:
    members = sorted(
        session.exec(
            select(RosterShiftMember.user_id).where(RosterShiftMember.roster_shift_id == shift.id)
        ).all()
    )
    if required is None:
        site = session.get(Site, shift.site_id)
        required = site.required_patrol_staff if site else 4
    return RosterShiftPublic(
        id=shift.id,
        roster_id=shift.roster_id,
        site_id=shift.site_id,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        member_ids=members,
        understaffed=len(members) < required,
    )


def roster_public(session: Session, roster: Roster) -> RosterPublic:
    """The roster with its shifts in time order, each flagged if understaffed."""
    shifts = session.exec(
        select(RosterShift)
        .where(RosterShift.roster_id == roster.id)
        .order_by(RosterShift.starts_at, RosterShift.site_id, RosterShift.id)
    ).all()
    site_ids = {s.site_id for s in shifts}
    required: dict[int | None, int] = {
        s.id: s.required_patrol_staff
        for s in (session.exec(select(Site).where(Site.id.in_(site_ids))).all() if site_ids else [])
    }
    members: dict[int | None, list[int]] = {s.id: [] for s in shifts}
    if shifts:
        for shift_id, user_id in session.exec(
            select(RosterShiftMember.roster_shift_id, RosterShiftMember.user_id).where(
                RosterShiftMember.roster_shift_id.in_(list(members))
            )
        ).all():
            members[shift_id].append(user_id)
    return RosterPublic(
        id=roster.id,
        group_id=roster.group_id,
        period_start=roster.period_start,
        period_end=roster.period_end,
        due_at=roster.due_at,
        submitted_at=roster.submitted_at,
        submitted_by=roster.submitted_by,
        shifts=[
            RosterShiftPublic(
                id=s.id,
                roster_id=s.roster_id,
                site_id=s.site_id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                member_ids=sorted(members[s.id]),
                understaffed=len(members[s.id]) < required.get(s.site_id, 4),
            )
            for s in shifts
        ],
    )
