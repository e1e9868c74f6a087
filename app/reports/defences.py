"""Technical defences for the console: the cameras and alarms overdue for a check, and the
faults not yet accepted (验收), oldest first. The rules are app.defences.rules; this only reads
what was recorded."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, SQLModel, col, func, select

from app.access import Scope
from app.defences.models import DefenceCheck, DefenceDevice, DefenceFault, FaultStatus
from app.defences.rules import check_days_overdue, next_check_due
from app.defences.service import setting_of
from app.reports.models import AssessmentLine
from app.reports.periods import check_range, local_date
from app.reports.scope import scoped_sites
from app.sites.models import Site


class DeviceRow(SQLModel):
    id: int
    site_id: int
    site_name: str
    kind: str  # DeviceKind
    name: str
    location: str
    every_days: int
    last_checked: date | None
    last_result: str | None
    next_due: date
    overdue: bool
    days_overdue: int
    open_faults: int


class FaultRow(SQLModel):
    id: str
    site_id: int
    site_name: str
    device_id: int
    device_name: str
    device_kind: str
    description: str
    status: str  # FaultStatus
    found_at: datetime
    fixed_at: datetime | None
    accepted_at: datetime | None
    age_days: int
    photos: list[str]  # the check's photo
    history: list[dict]


class DefenceReport(SQLModel):
    today: date
    devices: list[DeviceRow]
    overdue: list[DeviceRow]  # most days overdue first
    faults: list[FaultRow]  # not accepted, oldest first
    accepted: list[FaultRow]  # accepted, newest first (the last 90 days)


def _since(device: DefenceDevice, tz: str) -> date:
    return local_date(device.created_at, tz)


def _devices(session: Session, sites: list[Site]) -> list[DefenceDevice]:
    return list(
        session.exec(
            select(DefenceDevice)
            .where(col(DefenceDevice.site_id).in_([s.id for s in sites] or [-1]))
            .where(DefenceDevice.active)
            .order_by(col(DefenceDevice.site_id), col(DefenceDevice.kind), col(DefenceDevice.name))
        ).all()
    )


def _every(session: Session, site: Site, cache: dict) -> int:
    if site.town_id not in cache:
        cache[site.town_id] = setting_of(session, site.town_id).check_every_days
    return cache[site.town_id]


def defences(session: Session, *, sites: list[Site], now: datetime) -> DefenceReport:
    site_by_id = {s.id: s for s in sites}
    devices = _devices(session, sites)
    device_by_id = {d.id or 0: d for d in devices}
    ids = list(device_by_id) or [-1]
    last_checks = session.exec(
        select(DefenceCheck.defence_device_id, func.max(DefenceCheck.event_time))
        .where(col(DefenceCheck.defence_device_id).in_(ids))
        .group_by(col(DefenceCheck.defence_device_id))
    ).all()
    last_at = dict(last_checks)
    results = {
        c.defence_device_id: c.result
        for c in session.exec(
            select(DefenceCheck).where(
                col(DefenceCheck.defence_device_id).in_(ids),
                col(DefenceCheck.event_time).in_(list(last_at.values()) or [now]),
            )
        ).all()
        if last_at.get(c.defence_device_id) == c.event_time
    }
    faults = session.exec(
        select(DefenceFault)
        .where(col(DefenceFault.defence_device_id).in_(ids))
        .where(
            (col(DefenceFault.status) != FaultStatus.accepted.value)
            | (col(DefenceFault.accepted_at) >= now - timedelta(days=90))
        )
        .order_by(col(DefenceFault.event_time))
    ).all()
    check_photos = {
        c.id: c.photos
        for c in session.exec(
            select(DefenceCheck).where(
                col(DefenceCheck.id).in_([f.check_id for f in faults] or ["-"])
            )
        ).all()
    }
    cache: dict = {}
    rows = []
    for device in devices:
        site = site_by_id[device.site_id]
        today = local_date(now, site.timezone)
        every = _every(session, site, cache)
        at = last_at.get(device.id or 0)
        last = local_date(at, site.timezone) if at else None
        since = _since(device, site.timezone)
        days = check_days_overdue(last, every, since, today)
        rows.append(
            DeviceRow(
                id=device.id or 0,
                site_id=device.site_id,
                site_name=site.name,
                kind=device.kind,
                name=device.name,
                location=device.location,
                every_days=every,
                last_checked=last,
                last_result=results.get(device.id or 0),
                next_due=next_check_due(last, every, since),
                overdue=days > 0,
                days_overdue=days,
                open_faults=sum(
                    1
                    for f in faults
                    if f.defence_device_id == device.id and f.status != FaultStatus.accepted.value
                ),
            )
        )

    def fault_row(f: DefenceFault) -> FaultRow:
        device = device_by_id[f.defence_device_id]
        site = site_by_id[f.site_id]
        return FaultRow(
            id=f.id,
            site_id=f.site_id,
            site_name=site.name,
            device_id=f.defence_device_id,
            device_name=device.name,
            device_kind=device.kind,
            description=f.description,
            status=f.status,
            found_at=f.event_time,
            fixed_at=f.fixed_at,
            accepted_at=f.accepted_at,
            age_days=(
                local_date(now, site.timezone) - local_date(f.event_time, site.timezone)
            ).days,
            photos=check_photos.get(f.check_id, []),
            history=f.history,
        )

    open_rows = [fault_row(f) for f in faults if f.status != FaultStatus.accepted.value]
    accepted = [fault_row(f) for f in faults if f.status == FaultStatus.accepted.value]
    accepted.sort(key=lambda r: r.accepted_at or r.found_at, reverse=True)
    return DefenceReport(
        today=local_date(now),
        devices=rows,
        overdue=sorted((r for r in rows if r.overdue), key=lambda r: -r.days_overdue),
        faults=open_rows,
        accepted=accepted,
    )


def assessment_lines(
    session: Session, scope: Scope, date_from: date, date_to: date, now: datetime
) -> list[AssessmentLine]:
    """Per school with devices: the check periods (the town's interval, from date_from or the
    device's installation, ended by today) with a check, of those due; the faults found in
    the period accepted (验收) of those found."""
    check_range(date_from, date_to, max_days=400)
    sites = scoped_sites(session, reach=scope, site_ids=[], group_id=None)
    site_by_id = {s.id: s for s in sites}
    devices = _devices(session, sites)
    ids = [d.id for d in devices] or [-1]
    checks = session.exec(
        select(DefenceCheck.defence_device_id, DefenceCheck.event_time).where(
            col(DefenceCheck.defence_device_id).in_(ids)
        )
    ).all()
    faults = session.exec(
        select(DefenceFault).where(col(DefenceFault.defence_device_id).in_(ids))
    ).all()
    cache: dict = {}
    by_site: dict[int, list[int]] = {}
    for device in devices:
        site = site_by_id[device.site_id]
        tz = site.timezone
        today = local_date(now, tz)
        every = _every(session, site, cache)
        days = {local_date(at, tz) for d, at in checks if d == device.id}
        start = max(date_from, _since(device, tz))
        due = kept = 0
        while True:
            end = start + timedelta(days=every - 1)
            if end > date_to or end >= today:
                break
            due += 1
            kept += any(start <= d <= end for d in days)
            start = end + timedelta(days=1)
        counts = by_site.setdefault(device.site_id, [0, 0, 0, 0])
        counts[0] += due
        counts[1] += kept
    for f in faults:
        tz = site_by_id[f.site_id].timezone
        if date_from <= local_date(f.event_time, tz) <= date_to:
            counts = by_site.setdefault(f.site_id, [0, 0, 0, 0])
            counts[2] += 1
            counts[3] += f.status == FaultStatus.accepted.value
    lines = []
    for site_id, (due, kept, found, closed) in by_site.items():
        site = site_by_id[site_id]
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(site_id),
                subject_name=site.name,
                criterion="defence_checks_on_time",
                label_zh="技防设施按期检查",
                label_en="Technical defences checked on time",
                due=due,
                kept=kept,
            )
        )
        lines.append(
            AssessmentLine(
                subject_kind="school",
                subject_id=str(site_id),
                subject_name=site.name,
                criterion="defence_faults_closed",
                label_zh="技防故障维修验收",
                label_en="Technical defence faults fixed and accepted",
                due=found,
                kept=closed,
                detail_zh=f"{found - closed} 个故障未验收" if found > closed else "",
                detail_en=f"{found - closed} faults not accepted" if found > closed else "",
            )
        )
    return lines
