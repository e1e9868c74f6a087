"""What a phone needs of boarding to record offline (the bootstrap)."""

from sqlmodel import Session, col, select

from app.boarding.models import BoardingPupil, Dormitory


def dormitories_of_sites(session: Session, site_ids: list[int]) -> dict[int, list[dict]]:
    """For the phone's bootstrap: each site's active dormitories with their active pupils."""
    if not site_ids:
        return {}
    dorms = session.exec(
        select(Dormitory)
        .where(col(Dormitory.site_id).in_(site_ids), Dormitory.active)
        .order_by(col(Dormitory.name))
    ).all()
    pupils = session.exec(
        select(BoardingPupil)
        .where(col(BoardingPupil.site_id).in_(site_ids), BoardingPupil.active)
        .order_by(col(BoardingPupil.name), col(BoardingPupil.id))
    ).all()
    by_dorm: dict[int, list[dict]] = {}
    for p in pupils:
        by_dorm.setdefault(p.dormitory_id, []).append(
            {"id": p.id, "name": p.name, "class_name": p.class_name}
        )
    out: dict[int, list[dict]] = {}
    for d in dorms:
        out.setdefault(d.site_id, []).append(
            {"id": d.id, "name": d.name, "pupils": by_dorm.get(d.id or 0, [])}
        )
    return out
