"""The visitor register (准入登记) of one school for one local day."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlmodel import SQLModel, select

from app.access import ScopeDep
from app.db import ReadSessionDep
from app.fields import PlausibleDate
from app.gate.models import VisitorEntry
from app.sites.service import get_visible_site

router = APIRouter(prefix="/api", tags=["gate"])


class VisitorRegister(SQLModel):
    site_id: int
    date: date
    visitors: list[dict]  # in order of arrival; time_out null = still inside
    still_inside: int


@router.get("/sites/{site_id}/visitors", response_model=VisitorRegister)
def visitor_register(
    site_id: int, day: PlausibleDate, session: ReadSessionDep, scope: ScopeDep
) -> VisitorRegister:
    site = get_visible_site(session, scope=scope, site_id=site_id)
    zone = ZoneInfo(site.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    rows = session.exec(
        select(VisitorEntry)
        .where(
            VisitorEntry.site_id == site_id,
            VisitorEntry.event_time >= start,
            VisitorEntry.event_time < start + timedelta(days=1),
        )
        .order_by(VisitorEntry.event_time)
    ).all()
    return VisitorRegister(
        site_id=site_id,
        date=day,
        visitors=[v.model_dump(mode="json") for v in rows],
        still_inside=sum(1 for v in rows if v.time_out is None),
    )
