"""Sync endpoints: bootstrap, push, pull (protocol in docs/sync.md)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import select

from app.access import ScopeDep
from app.auth.deps import AnyCaller, CurrentUser
from app.auth.models import User, UserPublic, user_public
from app.db import ReadSessionDep, get_engine, read_session, utcnow
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.sites.models import Checkpoint, GateWindow, Site
from app.sync import pull as sync_pull
from app.sync import push as sync_push
from app.sync.schemas import PullResponse, PushRequest, PushResponse
from app.vocabulary import vocabulary

router = APIRouter(prefix="/api/sync", tags=["sync"])


class Bootstrap(BaseModel):
    server_time: Any
    user: UserPublic
    sites: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    vocabulary: dict[str, Any]  # codes, zh/en labels, hazard lifecycle (app/vocabulary.py)


@router.post("/push", response_model=PushResponse)
def push(body: PushRequest, caller: AnyCaller) -> PushResponse:
    return sync_push.push(
        get_engine(), user_id=caller.user.id, device_id=caller.device.id, request=body
    )


@router.get("/pull", response_model=PullResponse)
def pull(
    scope: ScopeDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> PullResponse:
    """Only an active caller pulls (ScopeDep needs one); a disabled user's phone may still
    push what it recorded."""
    with read_session() as session:
        return sync_pull.pull(session, scope=scope, cursor=cursor, limit=limit)


@router.get("/bootstrap", response_model=Bootstrap)
def bootstrap(session: ReadSessionDep, user: CurrentUser, scope: ScopeDep) -> Bootstrap:
    """What a phone needs to record offline: its sites, checkpoints, windows, groups."""
    site_ids = scope.feed_site_filter()  # as the pull: what the phone records at
    sites_q = select(Site).where(Site.active, Site.id.in_(site_ids or {-1})).order_by(Site.id)
    sites = session.exec(sites_q).all()
    ids = [s.id for s in sites]
    checkpoints = session.exec(
        select(Checkpoint).where(Checkpoint.site_id.in_(ids), Checkpoint.active)
    ).all()
    windows = session.exec(
        select(GateWindow).where(GateWindow.site_id.in_(ids), GateWindow.active)
    ).all()
    site_out = []
    for site in sites:
        data = site.model_dump(mode="json")
        data["checkpoints"] = [
            c.model_dump(mode="json", include={"id", "name", "code", "lat", "lon"})
            for c in checkpoints
            if c.site_id == site.id
        ]
        data["gate_windows"] = [
            w.model_dump(mode="json", include={"id", "name", "kind", "starts", "ends"})
            for w in windows
            if w.site_id == site.id
        ]
        site_out.append(data)
    groups_q = select(PatrolGroup).where(PatrolGroup.active).order_by(PatrolGroup.id)
    groups_q = groups_q.where(PatrolGroup.id.in_(scope.feed_group_filter() or {-1}))
    groups = session.exec(groups_q).all()
    group_out = []
    for group in groups:
        members = session.exec(
            select(User.id, User.display_name)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id, User.active)
            .order_by(User.id)
        ).all()
        site_links = session.exec(select(GroupSite.site_id).where(GroupSite.group_id == group.id))
        group_out.append(
            {
                "id": group.id,
                "name": group.name,
                "leader_id": group.leader_id,
                "members": [{"id": i, "display_name": n} for i, n in members],
                "site_ids": sorted(site_links.all()),
            }
        )
    return Bootstrap(
        server_time=utcnow(),
        user=user_public(user),
        sites=site_out,
        groups=group_out,
        vocabulary=vocabulary(),
    )
