"""A town's drill and lesson intervals: its admin's setting, or the defaults."""

from sqlmodel import Session, select

from app.drills.models import DrillSetting


def setting_of(session: Session, town_id: int) -> DrillSetting:
    """The town's row, or an unsaved one with the defaults."""
    row = session.exec(select(DrillSetting).where(DrillSetting.town_id == town_id)).first()
    return row if row is not None else DrillSetting(town_id=town_id)
