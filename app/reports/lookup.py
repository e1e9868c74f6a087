"""Display names for the ids a report lists, looked up in one query each."""

from sqlmodel import Session, col, select

from app.auth.models import User
from app.sites.models import Checkpoint, Site


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    return dict(rows)


def site_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(Site.id, Site.name).where(col(Site.id).in_(ids))).all())


def checkpoint_names(session: Session, ids: set[int]) -> dict[int, str]:
    """ "东围墙 (QSZX-02)": the name a person reads and the code printed on the card."""
    if not ids:
        return {}
    rows = session.exec(
        select(Checkpoint.id, Checkpoint.name, Checkpoint.code).where(col(Checkpoint.id).in_(ids))
    ).all()
    return {int(i): f"{name} ({code})" for i, name, code in rows}
