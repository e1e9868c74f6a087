"""Checkpoint proof (巡逻点核验): per shift and per site, how many scans were proven (QR and a
GPS fix near the checkpoint), typed, far or without a fix, and which checkpoints were missed.
The proof of one scan is decided when it is pushed (app.shifts.rules.scan_proof)."""

from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from app.access import Scope
from app.reports import lookup
from app.reports.models import (
    CheckpointReport,
    MissedCheckpoint,
    ScanProofCounts,
    ShiftProof,
    SiteProof,
)
from app.reports.periods import check_range, day_start
from app.shifts.models import CheckpointScan, PatrolShift, ShiftStatus
from app.sites.models import DEFAULT_TIMEZONE, Checkpoint, Site

MAX_SHIFTS = 2000  # the newest shifts of the period; the per-site totals use the same ones
FLAG_COUNTS = ("typed", "unknown_method", "no_gps", "no_position", "far")


def _count(into: ScanProofCounts, proof_flag: str | None) -> None:
    into.scans += 1
    if proof_flag is None:
        into.proven += 1
        return
    for flag in proof_flag.split(","):
        if flag in FLAG_COUNTS:
            setattr(into, flag, getattr(into, flag) + 1)


def checkpoints(
    session: Session, *, reach: Scope, sites: list[Site], date_from: date, date_to: date
) -> CheckpointReport:
    """Shifts that started on the local days asked for (Asia/Shanghai). A leader sees the
    shifts of her own groups (and her own); a supervisor every shift at the sites asked for.
    A checkpoint is missed by an ended (or reviewed) shift that did not scan it; an open
    shift is still patrolling and misses nothing yet."""
    check_range(date_from, date_to)
    empty = CheckpointReport(date_from=date_from, date_to=date_to, sites=[], shifts=[])
    if not sites:
        return empty
    by_id = {s.id: s for s in sites}
    lo = day_start(date_from, DEFAULT_TIMEZONE)
    hi = day_start(date_to + timedelta(days=1), DEFAULT_TIMEZONE)
    stmt = (
        select(PatrolShift)
        .where(
            col(PatrolShift.site_id).in_(list(by_id)),
            PatrolShift.event_time >= lo,
            PatrolShift.event_time < hi,
        )
        .order_by(col(PatrolShift.event_time).desc())
        .limit(MAX_SHIFTS)
    )
    if not reach.sees_everything:
        stmt = stmt.where(
            col(PatrolShift.group_id).in_(sorted(reach.group_ids))
            | (PatrolShift.recorded_by == reach.user_id)
        )
    shifts = session.exec(stmt).all()
    cps: dict[int, list[Checkpoint]] = defaultdict(list)
    for cp in session.exec(
        select(Checkpoint)
        .where(col(Checkpoint.site_id).in_(list(by_id)), Checkpoint.active)
        .order_by(Checkpoint.id)
    ):
        cps[cp.site_id].append(cp)
    scans: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
    if shifts:
        for shift_id, cp_id, flag in session.exec(
            select(
                CheckpointScan.shift_id, CheckpointScan.checkpoint_id, CheckpointScan.proof_flag
            ).where(col(CheckpointScan.shift_id).in_([s.id for s in shifts]))
        ):
            scans[shift_id].append((cp_id, flag))
    names = lookup.user_names(session, {s.recorded_by for s in shifts})
    per_site = {s.id: SiteProof(site_id=s.id, site_name=s.name) for s in sites if s.id in by_id}
    missed_count: dict[int, int] = defaultdict(int)
    out: list[ShiftProof] = []
    for shift in shifts:
        site = per_site[shift.site_id]
        row = ShiftProof(
            shift_id=shift.id,
            site_id=shift.site_id,
            site_name=site.site_name,
            group_id=shift.group_id,
            recorded_by=shift.recorded_by,
            recorded_by_name=names.get(shift.recorded_by, str(shift.recorded_by)),
            status=shift.status,
            started_at=shift.event_time,
            ended_at=shift.ended_at,
        )
        for _, flag in scans.get(shift.id, ()):
            _count(row, flag)
            _count(site, flag)
        site.shifts += 1
        if shift.status != ShiftStatus.open:
            done = {cp_id for cp_id, _ in scans.get(shift.id, ())}
            missed = [cp for cp in cps[shift.site_id] if cp.id not in done]
            row.missed = [cp.name for cp in missed]
            for cp in missed:
                missed_count[cp.id] += 1
        out.append(row)
    for site_id, site in per_site.items():
        site.missed = [
            MissedCheckpoint(
                checkpoint_id=cp.id, name=cp.name, code=cp.code, missed_shifts=missed_count[cp.id]
            )
            for cp in cps[site_id]
            if missed_count[cp.id]
        ]
    return CheckpointReport(
        date_from=date_from, date_to=date_to, sites=list(per_site.values()), shifts=out
    )
