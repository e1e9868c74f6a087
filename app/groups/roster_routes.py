"""Duty rosters (值班表); the lifecycle is described in app/groups/roster_service.py."""

from typing import Annotated

from fastapi import APIRouter, Depends

from app.access import ScopeDep
from app.auth.deps import SupervisorUser, require_role
from app.auth.models import Role, User
from app.db import ReadSessionDep, WriteSessionDep
from app.groups import roster_service as rosters
from app.groups.models import RosterCreate, RosterPublic, RosterShiftCreate, RosterShiftPublic

router = APIRouter(tags=["rosters"])  # joined to the groups router (prefix /api)

LeaderUser = Annotated[User, Depends(require_role(Role.leader))]


@router.get("/rosters", response_model=list[RosterPublic])
def list_rosters(session: ReadSessionDep, scope: ScopeDep, group_id: int | None = None):
    found = rosters.list_rosters(session, scope=scope, group_id=group_id)
    return [rosters.roster_public(session, r) for r in found]


@router.post("/rosters", response_model=RosterPublic, status_code=201)
def create_roster(
    body: RosterCreate, session: WriteSessionDep, leader: LeaderUser, scope: ScopeDep
):
    roster = rosters.create_roster(session, user=leader, scope=scope, data=body)
    return rosters.roster_public(session, roster)


@router.get("/rosters/{roster_id}", response_model=RosterPublic)
def get_roster(roster_id: int, session: ReadSessionDep, scope: ScopeDep):
    roster = rosters.get_readable_roster(session, scope=scope, roster_id=roster_id)
    return rosters.roster_public(session, roster)


@router.post("/rosters/{roster_id}/shifts", response_model=RosterShiftPublic, status_code=201)
def add_shift(
    roster_id: int,
    body: RosterShiftCreate,
    session: WriteSessionDep,
    leader: LeaderUser,
    scope: ScopeDep,
):
    roster = rosters.get_writable_roster(session, user=leader, scope=scope, roster_id=roster_id)
    shift = rosters.add_shift(session, roster=roster, data=body, actor_id=leader.id)
    return rosters.shift_public(session, shift)


@router.delete("/rosters/{roster_id}/shifts/{shift_id}", status_code=204)
def remove_shift(
    roster_id: int, shift_id: int, session: WriteSessionDep, leader: LeaderUser, scope: ScopeDep
) -> None:
    roster = rosters.get_writable_roster(session, user=leader, scope=scope, roster_id=roster_id)
    rosters.remove_shift(session, roster=roster, shift_id=shift_id, actor_id=leader.id)


@router.post("/rosters/{roster_id}/submit", response_model=RosterPublic)
def submit_roster(roster_id: int, session: WriteSessionDep, leader: LeaderUser, scope: ScopeDep):
    roster = rosters.get_writable_roster(session, user=leader, scope=scope, roster_id=roster_id)
    rosters.submit(session, roster=roster, user=leader)
    return rosters.roster_public(session, roster)


@router.post("/rosters/{roster_id}/reopen", response_model=RosterPublic)
def reopen_roster(
    roster_id: int, session: WriteSessionDep, supervisor: SupervisorUser, scope: ScopeDep
):
    roster = rosters.get_readable_roster(session, scope=scope, roster_id=roster_id)
    rosters.reopen(session, roster=roster, user=supervisor)
    return rosters.roster_public(session, roster)
