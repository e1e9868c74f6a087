"""A hazard with its whole lifecycle, for the supervisor's board and the reporter."""

from fastapi import APIRouter
from sqlmodel import SQLModel, select

from app.access import ScopeDep
from app.db import ReadSessionDep
from app.hazards.models import Hazard, HazardEvent
from app.photos.models import Photo
from app.records.reading import visible_record

router = APIRouter(prefix="/api", tags=["hazards"])


class HazardDetail(SQLModel):
    hazard: dict
    events: list[dict]  # oldest first: assign, rectify (with the photo of the fix), close, ...
    missing_photos: list[str]  # named by the hazard or its events, bytes not yet arrived


@router.get("/hazards/{hazard_id}", response_model=HazardDetail)
def get_hazard(hazard_id: str, session: ReadSessionDep, scope: ScopeDep) -> HazardDetail:
    hazard = visible_record(session, Hazard, hazard_id, scope)
    events = session.exec(
        select(HazardEvent)
        .where(HazardEvent.hazard_id == hazard.id)
        .order_by(HazardEvent.received_at, HazardEvent.id)
    ).all()
    named = {*hazard.photos, *(sha for e in events for sha in e.photos)}
    arrived = set(session.exec(select(Photo.sha256).where(Photo.sha256.in_(named))).all())
    return HazardDetail(
        hazard=hazard.model_dump(mode="json"),
        events=[e.model_dump(mode="json") for e in events],
        missing_photos=sorted(named - arrived),
    )
