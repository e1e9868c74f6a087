"""Patrol groups (安全巡逻领导小组): admins manage their town's; leaders and members read theirs."""

from fastapi import APIRouter
from sqlmodel import SQLModel

from app.access import ScopeDep, town_for_new
from app.auth.deps import AdminUser
from app.db import ReadSessionDep, WriteSessionDep
from app.groups import service
from app.groups.models import PatrolGroupCreate, PatrolGroupPublic, PatrolGroupUpdate

router = APIRouter(prefix="/api", tags=["groups"])


# Body of PUT /api/groups/{id}/leader.
class LeaderBody(SQLModel):
    user_id: int


# Body of POST /api/groups/{id}/members.
class MemberBody(SQLModel):
    user_id: int


# Body of POST /api/groups/{id}/sites.
class SiteBody(SQLModel):
    site_id: int


@router.get("/groups", response_model=list[PatrolGroupPublic])
def list_groups(session: ReadSessionDep, scope: ScopeDep, include_inactive: bool = False):
    groups = service.list_groups(session, scope=scope, include_inactive=include_inactive)
    return [service.group_public(session, g) for g in groups]


@router.post("/groups", response_model=PatrolGroupPublic, status_code=201)
def create_group(
    body: PatrolGroupCreate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.create_group(
        session, data=body, town_id=town_for_new(scope, body.town_id), actor_id=admin.id
    )
    return service.group_public(session, group)


@router.get("/groups/{group_id}", response_model=PatrolGroupPublic)
def get_group(group_id: int, session: ReadSessionDep, scope: ScopeDep):
    group = service.get_readable_group(session, scope=scope, group_id=group_id)
    return service.group_public(session, group)


@router.patch("/groups/{group_id}", response_model=PatrolGroupPublic)
def update_group(
    group_id: int,
    body: PatrolGroupUpdate,
    session: WriteSessionDep,
    admin: AdminUser,
    scope: ScopeDep,
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.update_group(
        session, group=group, changes=body.model_dump(exclude_unset=True), actor_id=admin.id
    )
    return service.group_public(session, group)


@router.post("/groups/{group_id}/deactivate", response_model=PatrolGroupPublic)
def deactivate_group(group_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.update_group(session, group=group, changes={"active": False}, actor_id=admin.id)
    return service.group_public(session, group)


@router.put("/groups/{group_id}/leader", response_model=PatrolGroupPublic)
def set_leader(
    group_id: int, body: LeaderBody, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.update_group(
        session, group=group, changes={"leader_id": body.user_id}, actor_id=admin.id
    )
    return service.group_public(session, group)


@router.post("/groups/{group_id}/members", response_model=PatrolGroupPublic, status_code=201)
def add_member(
    group_id: int, body: MemberBody, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.add_member(session, group=group, user_id=body.user_id, actor_id=admin.id)
    return service.group_public(session, group)


@router.delete("/groups/{group_id}/members/{user_id}", response_model=PatrolGroupPublic)
def remove_member(
    group_id: int, user_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.remove_member(session, group=group, user_id=user_id, actor_id=admin.id)
    return service.group_public(session, group)


@router.post("/groups/{group_id}/sites", response_model=PatrolGroupPublic, status_code=201)
def add_site(
    group_id: int, body: SiteBody, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.add_site(session, group=group, site_id=body.site_id, actor_id=admin.id)
    return service.group_public(session, group)


@router.delete("/groups/{group_id}/sites/{site_id}", response_model=PatrolGroupPublic)
def remove_site(
    group_id: int, site_id: int, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep
):
    group = service.get_group(session, scope=scope, group_id=group_id)
    service.remove_site(session, group=group, site_id=site_id, actor_id=admin.id)
    return service.group_public(session, group)


# Rosters live in their own module; main.py mounts this router only, so they join it here.
from app.groups.roster_routes import router as _roster_router  # noqa: E402

router.include_router(_roster_router)
