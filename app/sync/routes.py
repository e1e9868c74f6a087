"""Sync endpoints: bootstrap, push, pull (protocol in docs/sync.md), and an admin's import of
a phone's exported outbox."""

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import select

from app.access import ScopeDep
from app.audit import service as audit
from app.auth.deps import AdminUser, AnyCaller, CurrentUser
from app.auth.models import Device, User, UserPublic, user_public
from app.config import get_settings
from app.db import ReadSessionDep, get_engine, read_session, utcnow, write_session
from app.errors import AppError, Invalid, NotFound
from app.groups.models import GroupMember, GroupSite, PatrolGroup
from app.photos import service as photo_service
from app.records.registry import SITE_EXTRAS
from app.sites.models import Checkpoint, GateWindow, Site
from app.sync import pull as sync_pull
from app.sync import push as sync_push
from app.sync.schemas import (
    DeviceTime,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
)
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


class ExportedPhoto(BaseModel):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    content_type: Annotated[str | None, Field(max_length=100)] = None
    data_base64: str


class OutboxExport(BaseModel):
    """The file a phone writes with 导出待上传记录 (pwa/js/storage.js exportDocument)."""

    format: Literal["patrol-outbox-export"]
    version: Literal[1]
    exported_at: DeviceTime
    user_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    username: Annotated[str | None, Field(max_length=64)] = None
    device_id: Annotated[str, Field(max_length=64)]
    mutations: list[Any]
    photos: list[ExportedPhoto] = []


class PhotoImport(BaseModel):
    sha256: str
    status: Literal["stored", "duplicate", "rejected"]
    message: str | None = None


class ImportResponse(BaseModel):
    user_id: int
    device_id: str
    results: list[MutationResult]  # as a push answers them: a second import is all duplicate
    photos: list[PhotoImport]


@router.post("/import", response_model=ImportResponse)
def import_outbox(body: OutboxExport, admin: AdminUser, scope: ScopeDep) -> ImportResponse:
    """An admin hands in the outbox a phone exported when it could not sync for days: each
    mutation goes through the push's own decision, as the phone's user and device (so that
    user's rules and scope apply, and importing twice, or after the phone synced after all,
    answers duplicate); the photos are checked and stored like uploads."""
    with read_session() as session:
        user = session.get(User, body.user_id)
        device = session.get(Device, body.device_id)
        # A user of another town is not disclosed: 404, like a user who does not exist.
        if (
            user is None
            or device is None
            or device.user_id != body.user_id
            or not scope.sees_town(user.town_id)
        ):
            raise NotFound(
                "No such user with that device: the file must come from a phone that "
                "logged in to this server.",
                message_zh="找不到该用户及其设备：文件必须来自登录过本服务器的手机。",
            )
        if body.username is not None and body.username != user.username:
            raise Invalid(
                f"The file names user {body.username!r}, but user {body.user_id} is "
                f"{user.username!r}: it was exported from another server.",
                message_zh="文件中的用户名与本服务器的用户不符：文件来自其他服务器。",
            )
        offset = device.last_clock_offset_s
    # A phone offline for days may export more than one push may carry: pushed in batches.
    step = get_settings().max_batch_mutations
    results: list[MutationResult] = []
    for start in range(0, len(body.mutations), step):
        batch = body.mutations[start : start + step]
        answer = sync_push.push(
            get_engine(),
            user_id=user.id,
            device_id=device.id,
            request=PushRequest(
                sent_at=body.exported_at,
                outbox_depth=len(body.mutations) - start,
                mutations=batch,
            ),
            clock_offset_s=offset,
            revoked_ok=True,
        )
        results.extend(answer.results)
    photos = [_import_photo(p, user) for p in body.photos]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    with write_session() as session:
        audit.record(
            session,
            actor_id=admin.id,
            action="sync.import",
            entity="device",
            entity_id=device.id,
            after={
                "user_id": user.id,
                "exported_at": body.exported_at.isoformat(),
                "mutations": counts,
                "photos_stored": sum(p.status == "stored" for p in photos),
            },
        )
    return ImportResponse(user_id=user.id, device_id=device.id, results=results, photos=photos)


def _import_photo(photo: ExportedPhoto, user: User) -> PhotoImport:
    """One photo of the file, stored as its user's upload; a bad one is refused alone."""
    try:
        data = base64.b64decode(photo.data_base64, validate=True)
    except (binascii.Error, ValueError):
        return PhotoImport(sha256=photo.sha256, status="rejected", message="not base64")
    try:
        _, created = photo_service.store(sha256=photo.sha256, data=data, user=user)
    except AppError as exc:
        return PhotoImport(sha256=photo.sha256, status="rejected", message=exc.message)
    return PhotoImport(sha256=photo.sha256, status="stored" if created else "duplicate")


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
    """What a phone needs to record offline: its sites, checkpoints, windows, what the field
    domains add per site (SITE_EXTRAS: a boarding school's dormitories), groups."""
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
    extras = {key: load(session, ids) for key, load in SITE_EXTRAS.items()}
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
        for key, by_site in extras.items():
            data[key] = by_site.get(site.id, [])
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
