"""The words the app shows for the domain's codes: every enum a person sees, with its Chinese
and English label, and the hazard lifecycle. Sent to phones in the bootstrap, so the PWA never
keeps its own copy of a code list, a label or a rule about which action fits which status.

Labels sit next to their codes here and only here; a code without both labels fails at import.
"""

from enum import StrEnum
from functools import cache
from typing import Any

from app.boarding.models import AbsenceReason
from app.defences.models import CheckResult, DeviceKind, FaultAction, FaultStatus
from app.drills.models import ActivityKind
from app.gate import rules as gate_rules
from app.gate.models import ApprovalVia, GateDirection, SlipCheck, VisitorApproval, VisitorState
from app.hazards import rules as hazard_rules
from app.hazards.models import (
    HazardAction,
    HazardCategory,
    HazardStatus,
    PlaceType,
    Severity,
)
from app.hazards.rules import LIFECYCLE
from app.shifts import rules as shift_rules
from app.shifts.models import ReviewDecision, ShiftStatus
from app.sites.models import SiteKind, WindowKind
from app.towns.models import Department
from app.villages.models import DisputeCategory, DisputeStatus

Labels = dict[Any, tuple[str, str]]  # enum member -> (zh, en)

# Terms follow the town's implementation plan (shared/domain.md).
HAZARD_CATEGORY: Labels = {
    HazardCategory.fire: ("消防", "Fire"),
    HazardCategory.food_hygiene: ("食品卫生", "Food hygiene"),
    HazardCategory.collapse: ("坍塌", "Collapse"),
    HazardCategory.poisoning: ("中毒", "Poisoning"),
    HazardCategory.accident: ("意外事故", "Accident"),
    HazardCategory.traffic: ("交通安全", "Traffic"),
    HazardCategory.surroundings: ("周边环境（300米内）", "Surroundings (300 m)"),
    HazardCategory.security_equipment: ("视频监控、入侵报警", "Video surveillance / alarms"),
    HazardCategory.other: ("其他", "Other"),
}

HAZARD_SEVERITY: Labels = {
    Severity.low: ("一般", "Low"),
    Severity.medium: ("较重", "Medium"),
    Severity.high: ("严重", "High"),
}

HAZARD_PLACE_TYPE: Labels = {
    PlaceType.internet_cafe: ("网吧", "Internet cafe"),
    PlaceType.restaurant: ("饭店", "Restaurant"),
    PlaceType.hotel: ("旅馆", "Hotel"),
    PlaceType.illegal_stall: ("非法摊点", "Illegal stall"),
    PlaceType.illegal_publication: ("非法出版物", "Illegal publications"),
    PlaceType.canteen: ("食堂", "Canteen"),
    PlaceType.tuck_shop: ("小卖部", "Tuck shop"),
    PlaceType.classroom: ("教室", "Classroom"),
    PlaceType.dormitory: ("宿舍", "Dormitory"),
    PlaceType.gate: ("校门口", "School gate"),
    PlaceType.other: ("其他", "Other"),
}

DEPARTMENT: Labels = {
    Department.education_office: ("教委办", "Education office (教委办)"),
    Department.police_station: ("派出所", "Police station (派出所)"),
    Department.market_regulation: ("工商所", "Market regulation (工商所)"),
    Department.traffic_police: ("交警中队", "Traffic police (交警中队)"),
    Department.four_in_one: ("四位一体办", "Four-in-one office (四位一体办)"),
}

HAZARD_STATUS: Labels = {
    HazardStatus.reported: ("已上报", "Reported"),
    HazardStatus.assigned: ("已交办", "Assigned"),
    HazardStatus.rectified: ("已整改", "Rectified"),
    HazardStatus.closed: ("已销号", "Closed"),
    HazardStatus.reopened: ("重新打开", "Reopened"),
}

HAZARD_ACTIONS: Labels = {
    HazardAction.assign: ("交办", "Assign"),
    HazardAction.rectify: ("整改", "Rectify"),
    HazardAction.close: ("验收销号", "Verify and close"),
    HazardAction.reopen: ("重新打开", "Reopen"),
}

SHIFT_STATUS: Labels = {
    ShiftStatus.open: ("巡逻中", "On patrol"),
    ShiftStatus.ended: ("待组长确认", "Awaiting review"),
    ShiftStatus.confirmed: ("已确认", "Confirmed"),
    ShiftStatus.returned: ("已退回", "Returned"),
}

REVIEW_DECISION: Labels = {
    ReviewDecision.confirm: ("确认", "Confirm"),
    ReviewDecision.return_: ("退回", "Return"),
}

GATE_DIRECTION: Labels = {
    GateDirection.check_in: ("签到", "Check in"),
    GateDirection.check_out: ("签退", "Check out"),
}

VISITOR_APPROVAL: Labels = {
    VisitorApproval.asked: ("已请示，等待答复", "Asked, waiting for the host"),
    VisitorApproval.approved: ("被访人已同意", "Host agreed"),
    VisitorApproval.refused: ("被访人不同意", "Host refused"),
}

APPROVAL_VIA: Labels = {
    ApprovalVia.phone: ("电话确认", "By phone"),
    ApprovalVia.in_person: ("当面确认", "In person"),
}

SLIP_CHECK: Labels = {
    SlipCheck.matched: ("与出门条相符", "Matches the pass slip"),
    SlipCheck.mismatch: ("与出门条不符", "Does not match the pass slip"),
}

VISITOR_STATE: Labels = {
    VisitorState.waiting: ("等待同意", "Waiting for approval"),
    VisitorState.inside: ("在校内", "Inside"),
    VisitorState.refused: ("未准入", "Not let in"),
    VisitorState.left: ("已离校", "Left"),
}

WINDOW_KIND: Labels = {
    WindowKind.arrival: ("上学", "Arrival"),
    WindowKind.dismissal: ("放学", "Dismissal"),
}
ABSENCE_REASON: Labels = {
    AbsenceReason.on_leave: ("请假外出", "On leave"),
    AbsenceReason.sick: ("生病", "Sick"),
    AbsenceReason.home: ("回家", "Gone home"),
    AbsenceReason.missing: ("不明去向", "Whereabouts unknown"),
    AbsenceReason.other: ("其他", "Other"),
}
# drills and technical defences
ACTIVITY_KIND: Labels = {
    ActivityKind.lesson: ("安全、法制专题教育", "Safety / law lesson"),
    ActivityKind.drill: ("应急预案演练", "Emergency drill"),
}
DEVICE_KIND: Labels = {
    DeviceKind.camera: ("视频监控", "Video camera"),
    DeviceKind.alarm: ("入侵报警", "Intrusion alarm"),
}
CHECK_RESULT: Labels = {CheckResult.ok: ("正常", "Working"), CheckResult.fault: ("故障", "Fault")}
FAULT_STATUS: Labels = {
    FaultStatus.open: ("待维修", "To be fixed"),
    FaultStatus.fixed: ("已维修待验收", "Fixed, awaiting acceptance"),
    FaultStatus.accepted: ("已验收", "Accepted"),
}
FAULT_ACTION: Labels = {
    FaultAction.fix: ("维修完成", "Fixed"),
    FaultAction.accept: ("验收", "Accept"),
    FaultAction.reopen: ("重新打开", "Reopen"),
}

DISPUTE_CATEGORY: Labels = {
    DisputeCategory.land: ("土地纠纷", "Land"),
    DisputeCategory.neighbours: ("邻里纠纷", "Neighbours"),
    DisputeCategory.family: ("婚姻家庭纠纷", "Family"),
    DisputeCategory.labour: ("劳资纠纷", "Labour"),
    DisputeCategory.other: ("其他", "Other"),
}
DISPUTE_STATUS: Labels = {
    DisputeStatus.open: ("待化解", "Open"),
    DisputeStatus.resolving: ("化解中", "Resolving"),
    DisputeStatus.resolved: ("已化解", "Resolved"),
}


SITE_KIND: Labels = {
    SiteKind.school: ("学校", "School"),
    SiteKind.kindergarten: ("幼儿园", "Kindergarten"),
    SiteKind.key_place: ("重点场所", "Key place"),
}

# Bootstrap key -> (enum, its labels). The enum's order is the order a form lists them in.
VOCABULARIES: dict[str, tuple[type[StrEnum], Labels]] = {
    "hazard_category": (HazardCategory, HAZARD_CATEGORY),
    "hazard_severity": (Severity, HAZARD_SEVERITY),
    "hazard_place_type": (PlaceType, HAZARD_PLACE_TYPE),
    "department": (Department, DEPARTMENT),
    "hazard_status": (HazardStatus, HAZARD_STATUS),
    "hazard_actions": (HazardAction, HAZARD_ACTIONS),
    "shift_status": (ShiftStatus, SHIFT_STATUS),
    "review_decision": (ReviewDecision, REVIEW_DECISION),
    "gate_direction": (GateDirection, GATE_DIRECTION),
    "visitor_approval": (VisitorApproval, VISITOR_APPROVAL),
    "approval_via": (ApprovalVia, APPROVAL_VIA),
    "slip_check": (SlipCheck, SLIP_CHECK),
    "visitor_state": (VisitorState, VISITOR_STATE),
    "window_kind": (WindowKind, WINDOW_KIND),
    "site_kind": (SiteKind, SITE_KIND),
    "absence_reason": (AbsenceReason, ABSENCE_REASON),
    "dispute_category": (DisputeCategory, DISPUTE_CATEGORY),
    "dispute_status": (DisputeStatus, DISPUTE_STATUS),
    "activity_kind": (ActivityKind, ACTIVITY_KIND),
    "device_kind": (DeviceKind, DEVICE_KIND),
    "check_result": (CheckResult, CHECK_RESULT),
    "fault_status": (FaultStatus, FAULT_STATUS),
    "fault_action": (FaultAction, FAULT_ACTION),
}


def _terms(enum: type[StrEnum], labels: Labels) -> list[dict[str, str]]:
    missing = [m.value for m in enum if m not in labels]
    extra = [k for k in labels if k not in set(enum)]
    if missing or extra:
        raise RuntimeError(f"labels of {enum.__name__}: missing {missing}, unknown {extra}")
    return [{"code": m.value, "zh": labels[m][0], "en": labels[m][1]} for m in enum]


def hazard_lifecycle() -> dict[str, list[str]]:
    """Per status, the actions the lifecycle allows from it (who may take them is checked
    on push; this is what a screen offers)."""
    return {
        status.value: [a.value for a, (starts, _) in LIFECYCLE.items() if status in starts]
        for status in HazardStatus
    }


@cache
def vocabulary() -> dict[str, Any]:
    """The bootstrap's "vocabulary": built once, the same for every caller."""
    out: dict[str, Any] = {key: _terms(*spec) for key, spec in VOCABULARIES.items()}
    out["hazard_lifecycle"] = hazard_lifecycle()
    out["rule_figures"] = rule_figures()
    return out


def rule_figures() -> dict[str, float]:
    """The figures of the rules a screen shows before syncing (README, "Rules")."""
    return {
        "short_shift_s": shift_rules.SHORT_SHIFT_S,
        "present_share": shift_rules.PRESENT_SHARE,
        "near_checkpoint_m": shift_rules.NEAR_CHECKPOINT_M,
        "gate_grace_min": gate_rules.GATE_GRACE.total_seconds() / 60,
        "surroundings_radius_m": hazard_rules.SURROUNDINGS_RADIUS_M,
    }


vocabulary()  # a code without its labels fails at start-up, not on a phone
