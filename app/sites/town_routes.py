"""The towns (镇) within the caller's reach, and a county admin adding a town to her county.

GET /api/towns: a town's supervisor or admin gets her own town; a county account (county_wide)
every town of its county; anyone else 403. The console and admin screens show a town picker
when there is more than one. POST /api/towns: only a county admin, into her own county
(audited, like every admin write).
"""

from fastapi import APIRouter
from sqlmodel import Field, col, select

from app.access import ScopeDep
from app.audit import service as audit
from app.auth.deps import AdminUser, SupervisorUser
from app.db import ReadSessionDep, WriteSessionDep
from app.errors import Conflict, Forbidden
from app.fields import CleanInput
from app.sites.models import Site
from app.towns.models import County, Town

router = APIRouter(prefix="/api", tags=["towns"])


class TownRow(CleanInput):
    id: int
    county_id: int
    county_code: str
    county_name: str
    code: str
    name: str
    sites: int  # active sites of the town
    own: bool  # the caller's own town


# Body of POST /api/towns.
class TownCreate(CleanInput):
    code: str = Field(
        min_length=2, max_length=32, schema_extra={"pattern": r"^[a-z0-9][a-z0-9_-]*$"}
    )
    name: str = Field(min_length=1, max_length=200)


@router.get("/towns", response_model=list[TownRow])
def list_towns(session: ReadSessionDep, user: SupervisorUser, scope: ScopeDep):
    towns = session.exec(
        select(Town, County)
        .join(County, col(County.id) == Town.county_id)
        .where(col(Town.id).in_(sorted(scope.town_ids)))
        .order_by(col(Town.id))
    ).all()
    counts: dict[int, int] = {}
    for town_id in session.exec(
        select(Site.town_id).where(col(Site.town_id).in_(sorted(scope.town_ids)), Site.active)
    ).all():
        counts[town_id] = counts.get(town_id, 0) + 1
    rows = []
    for t, c in towns:
        if t.id is None or c.id is None:  # rows read back always have ids
            continue
        rows.append(
            TownRow(
                id=t.id,
                county_id=c.id,
                county_code=c.code,
                county_name=c.name,
                code=t.code,
                name=t.name,
                sites=counts.get(t.id, 0),
                own=t.id == user.town_id,
            )
        )
    return rows


@router.post("/towns", response_model=TownRow, status_code=201)
def create_town(body: TownCreate, session: WriteSessionDep, admin: AdminUser, scope: ScopeDep):
    if not admin.county_wide:
        raise Forbidden(
            "Only an admin of the county office may add a town.",
            message_zh="只有县级管理员可以添加镇。",
        )
    if session.exec(select(Town.id).where(Town.code == body.code)).first() is not None:
        raise Conflict(
            f"The town code {body.code!r} is already used.",
            message_zh=f"镇代码 {body.code} 已被使用。",
            details=[{"field": "code", "message": "already used", "message_zh": "已被使用"}],
        )
    own = session.get(Town, admin.town_id)
    county = session.get(County, own.county_id) if own is not None else None
    if county is None or county.id is None:
        raise Forbidden("Your account has no county.", message_zh="您的账号不属于任何县。")
    town = Town(county_id=county.id, code=body.code, name=body.name)
    session.add(town)
    session.flush()
    audit.record(
        session,
        actor_id=admin.id,
        action="town.create",
        entity="town",
        entity_id=town.id,
        after=audit.snapshot(town),
        town_id=town.id,
    )
    assert town.id is not None
    return TownRow(
        id=town.id,
        county_id=county.id,
        county_code=county.code,
        county_name=county.name,
        code=town.code,
        name=town.name,
        sites=0,
        own=False,
    )
