"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.audit.models import AuditEvent
from app.auth.models import Device, LoginFailure, RefreshToken, User
from app.boarding.models import BoardingPupil, Dormitory, PupilLeave, RollCall
from app.defences.models import DefenceCheck, DefenceDevice, DefenceFault, DefenceSetting
from app.drills.models import DrillSetting, SafetyActivity
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
from app.notices.models import Notice, NoticeLine, VetoCase
from app.photos.models import Photo, PhotoBlob, PhotoUpload, RecordPhoto
from app.police.models import PolicePost, PolicePresence
from app.reports.models import ReportCoverageDay, ReportWatermark
from app.shifts.models import CheckpointScan, PatrolShift, ShiftMember, ShiftReview
from app.sites.models import Checkpoint, GateWindow, Site
from app.sync.models import Mutation, SyncChange, SyncState
from app.towns.models import County, Town, Village
from app.villages.models import DisputeCase, VillageForm

__all__ = [
    "AuditEvent",
    "BoardingPupil",
    "Checkpoint",
    "CheckpointScan",
    "County",
    "DisputeCase",
    "DefenceCheck",
    "DefenceDevice",
    "DefenceFault",
    "DefenceSetting",
    "Device",
    "Dormitory",
    "DrillSetting",
    "DutyPlanDay",
    "DutyRecord",
    "GateCheck",
    "GateWindow",
    "GroupMember",
    "GroupSite",
    "Hazard",
    "HazardEvent",
    "LoginFailure",
    "Notice",
    "NoticeLine",
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
    "SafetyActivity",
    "ShiftMember",
    "ShiftReview",
    "Site",
    "SyncChange",
    "SyncState",
    "Town",
    "User",
    "VetoCase",
    "Village",
    "VillageForm",
    "VisitorEntry",
]
