"""A town's check interval, and what a phone needs of a site's devices to check them offline."""

from sqlmodel import Session, col, select

from app.defences.models import DefenceDevice, DefenceSetting


def setting_of(session: Session, town_id: int) -> DefenceSetting:
    """The town's row, or an unsaved one with the default."""
    row = session.exec(select(DefenceSetting).where(DefenceSetting.town_id == town_id)).first()
    return row if row is not None else DefenceSetting(town_id=town_id)


def devices_of_sites(session: Session, site_ids: list[int]) -> dict[int, list[dict]]:
    """For the phone's bootstrap: each site's active cameras and alarms."""
    if not site_ids:
        return {}
    devices = session.exec(
        select(DefenceDevice)
        .where(col(DefenceDevice.site_id).in_(site_ids), DefenceDevice.active)
        .order_by(col(DefenceDevice.kind), col(DefenceDevice.name), col(DefenceDevice.id))
    ).all()
    out: dict[int, list[dict]] = {}
    for d in devices:
        out.setdefault(d.site_id, []).append(
            {"id": d.id, "kind": d.kind, "name": d.name, "location": d.location}
        )
    return out
