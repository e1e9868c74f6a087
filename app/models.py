"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import Device, LoginFailure, RefreshToken, User
from app.boarding.models import BoardingPupil, Dormitory, PupilLeave, RollCall
from app.duty.models import DutyPlanDay, DutyRecord
from app.gate.models import GateCheck, VisitorEntry
from app.groups.models import (
    GroupMember,
    GroupSite,
    PatrolGroup,
    Roster,
    RosterShift,
    RosterShiftMember,
)
from app.hazards.models import Hazard, HazardEvent
from app.photos.models import Photo, PhotoBlob, PhotoUpload, RecordPhoto
from app.police.models import PolicePost, PolicePresence
from app.reports.models import ReportCoverageDay, ReportWatermark
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember, ShiftReview
from app.sites.models import Checkpoint, GateWindow, Site
from app.sync.models import Mutation, SyncChange, SyncState
from app.towns.models import County, Town, Village

__all__ = [
    "AuditEvent",
    "BoardingPupil",
    "Checkpoint",
    "CheckpointScan",
    "County",
    "Device",
    "Dormitory",
    "DutyPlanDay",
    "DutyRecord",
    "GateCheck",
    "GateWindow",
    "GroupMember",
    "GroupSite",
    "Hazard",
    "HazardEvent",
    "LoginFailure",
    "Mutation",
    "PatrolGroup",
    "PatrolShift",
    "Photo",
    "PhotoBlob",
    "PhotoUpload",
    "PolicePost",
    "PolicePresence",
    "PupilLeave",
    "RecordPhoto",
    "RefreshToken",
    "RollCall",
    "ReportCoverageDay",
    "ReportWatermark",
    "Roster",
    "RosterShift",
    "RosterShiftMember",
    "ShiftMember",
    "ShiftReview",
    "Site",
    "SyncChange",
    "SyncState",
    "Town",
    "User",
    "Village",
    "VisitorEntry",
]
