"""The office side of police at the gate: which sites get a post (护学岗) from which
department. The town's admin sets them up (audited); whoever sees the site reads them, and an
officer of the department reads the posts of her department (her phone records at them)."""

from fastapi import APIRouter
from sqlmodel import Session, col, select

from app.access import Scope, ScopeDep
from app.audit import service as audit
from app.auth.deps import AdminUser, CurrentUser
from app.auth.models import Role, User
from app.db import ReadSessionDep, WriteSessionDep
from app.errors import Conflict, Invalid, NotFound
from app.police.models import (
    POSTING_DEPARTMENTS,
    PolicePost,
    PolicePostCreate,
    PolicePostPublic,
    PolicePostUpdate,
)
from app.sites.models import GateWindow, Site
from app.sites.service import get_site

router = APIRouter(prefix="/api/police", tags=["police"])


def _public(post: PolicePost, site: Site) -> PolicePostPublic:
    assert post.id is not None
    return PolicePostPublic(
        id=post.id,
        town_id=post.town_id,
        site_id=post.site_id,
        site_name=site.name,
        department=post.department,
        active=post.active,
    )


def _reads_post(user: User, scope: Scope, post: PolicePost) -> bool:
    officer = (
        user.has_role(Role.department)
        and user.department == post.department
        and user.town_id == post.town_id
    )
    return officer or scope.sees_site(post.site_id)


@router.get("/posts", response_model=list[PolicePostPublic])
def list_posts(
    session: ReadSessionDep, user: CurrentUser, scope: ScopeDep, include_inactive: bool = False
):
    """The posts the caller sees: of her town's sites she sees, or, for an officer, of her
    department in her town."""
    query = select(PolicePost, Site).join(Site, col(Site.id) == PolicePost.site_id)
    query = query.where(col(PolicePost.town_id).in_(scope.town_ids or {-1}))
    if not include_inactive:
        query = query.where(PolicePost.active)
    rows = session.exec(query.order_by(col(Site.name), col(PolicePost.department))).all()
    return [_public(p, s) for p, s in rows if _reads_post(user, scope, p)]


@router.get("/posts/windows")
def post_windows(session: ReadSessionDep, user: CurrentUser, scope: ScopeDep) -> list[dict]:
    """What an officer's phone needs to record presence offline: the posts she may record at
    (her department's, or her school's as gate staff), each with its site's zone and gate
    windows."""
    posts = list_posts(session, user, scope)
    site_ids = sorted({p.site_id for p in posts if p.active})
    sites = {s.id: s for s in session.exec(select(Site).where(col(Site.id).in_(site_ids or [-1])))}
    windows = session.exec(
        select(GateWindow)
        .where(col(GateWindow.site_id).in_(site_ids or [-1]), GateWindow.active)
        .order_by(col(GateWindow.starts))
    ).all()
    return [
        {
            **p.model_dump(),
            "timezone": sites[p.site_id].timezone,
            "windows": [
                {
                    "id": w.id,
                    "name": w.name,
                    "kind": w.kind,
                    "starts": w.starts.strftime("%H:%M"),
                    "ends": w.ends.strftime("%H:%M"),
                }
                for w in windows
                if w.site_id == p.site_id
            ],
        }
        for p in posts
        if p.active
    ]


def _post(session: Session, scope: Scope, post_id: int) -> PolicePost:
    post = session.get(PolicePost, post_id)
    if post is None or not scope.sees_town(post.town_id):
        raise NotFound(
            f"No police post with id {post_id}.", message_zh=f"没有编号为 {post_id} 的护学岗。"
        )
    return post


@router.post("/posts", response_model=PolicePostPublic, status_code=201)
def create_post(body: PolicePostCreate, session: WriteSessionDep, user: AdminUser, scope: ScopeDep):
    site = get_site(session, scope=scope, site_id=body.site_id)
    if body.department not in POSTING_DEPARTMENTS:
        raise Invalid(
            "Only the police station and the traffic police post officers at school gates.",
            message_zh="只有派出所和交警中队在校门口设护学岗。",
            details=[
                {
                    "field": "department",
                    "message": "not a posting department",
                    "message_zh": "该部门不设护学岗",
                }
            ],
        )
    if site.kind == "key_place":
        raise Invalid(
            "A key place has no school gate to post officers at.",
            message_zh="重点场所没有校门，不设护学岗。",
            details=[{"field": "site_id", "message": "key place", "message_zh": "重点场所"}],
        )
    taken = select(PolicePost.id).where(
        PolicePost.site_id == site.id, PolicePost.department == body.department.value
    )
    if session.exec(taken).first() is not None:
        raise Conflict(
            f"{site.name} has a {body.department.value} post already.",
            message_zh=f"{site.name}已有该部门的护学岗。",
        )
    assert site.id is not None
    post = PolicePost(town_id=site.town_id, site_id=site.id, department=body.department.value)
    session.add(post)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=site.town_id,
        action="police_post.create",
        entity="police_post",
        entity_id=post.id,
        after=audit.snapshot(post),
    )
    return _public(post, site)


@router.patch("/posts/{post_id}", response_model=PolicePostPublic)
def update_post(
    post_id: int, body: PolicePostUpdate, session: WriteSessionDep, user: AdminUser, scope: ScopeDep
):
    """Stands a post down (`active: false`) or up again; its presence records stay."""
    post = _post(session, scope, post_id)
    site = session.get(Site, post.site_id)
    assert site is not None
    before = audit.snapshot(post)
    post.active = body.active
    session.add(post)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        town_id=post.town_id,
        action="police_post.update",
        entity="police_post",
        entity_id=post.id,
        before=before,
        after=audit.snapshot(post),
    )
    return _public(post, site)
