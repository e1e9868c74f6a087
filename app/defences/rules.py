"""The rules of technical defences over plain facts, callable without a push: who checks a
device and who moves its faults, the fault's lifecycle, and when a device is overdue for a
check (the plan: 重点部位安装视频监控、入侵报警)."""

import uuid
from datetime import date, timedelta

from app.auth.models import Role
from app.defences.models import CheckResult, FaultAction, FaultStatus
from app.records.authz import Permission, Relation
from app.records.errors import Conflicted, Rejected, Rule

# The school's own staff (the safety officer) and the town's admin check the devices.
WHO_CHECKS = Permission(
    what=("登记本校技防设施的检查", "record checks of this school's technical defences"),
    roles=frozenset({Role.school_staff, Role.admin}),
    allow=frozenset({Relation.site_staff, Relation.admin}),
    refusal=Rule.not_school_staff,
)

WHO_MOVES: dict[str, Permission] = {  # by FaultAction
    FaultAction.fix: Permission(  # 维修完成: the school that has the device
        what=("上报本故障已维修", "report this fault fixed"),
        roles=frozenset({Role.school_staff, Role.admin}),
        allow=frozenset({Relation.site_staff, Relation.admin}),
        refusal=Rule.not_school_staff,
    ),
    FaultAction.accept: Permission(  # 验收: the town's supervisors
        what=("验收本故障的维修", "accept this fault's fix"),
        roles=frozenset({Role.supervisor}),
        allow=frozenset({Relation.supervisor}),
        refusal=Rule.role_may_not,
        needs_active=True,
    ),
    FaultAction.reopen: Permission(  # 重新打开: the fix did not hold
        what=("重新打开本故障", "reopen this fault"),
        roles=frozenset({Role.supervisor}),
        allow=frozenset({Relation.supervisor}),
        refusal=Rule.role_may_not,
        needs_active=True,
    ),
}

# Which status each action may start from, and where it leads.
LIFECYCLE: dict[FaultAction, tuple[set[FaultStatus], FaultStatus]] = {
    FaultAction.fix: ({FaultStatus.open}, FaultStatus.fixed),
    FaultAction.accept: ({FaultStatus.fixed}, FaultStatus.accepted),
    FaultAction.reopen: ({FaultStatus.fixed}, FaultStatus.open),
}

_FAULT_NAMESPACE = uuid.UUID("6f1e4c0e-2d7b-4e55-9a43-5b8f0f6c1d19")


def fault_id_of(check_id: str) -> str:
    """The id of the fault a check raises: derived from the check's, so the phone that
    recorded the check offline can fix the fault before either has synced."""
    return str(uuid.uuid5(_FAULT_NAMESPACE, check_id))


def check_description(result: CheckResult, description: str) -> None:
    """A fault says what is wrong."""
    if result == CheckResult.fault and not description.strip():
        raise Rejected(
            "A fault needs a description of what is wrong.",
            zh="登记故障须填写故障情况。",
        )


def next_status(action: FaultAction, status: str) -> FaultStatus:
    """The fault moves only along its lifecycle; else a conflict showing where it stands."""
    starts, to = LIFECYCLE[action]
    if FaultStatus(status) not in starts:
        raise Conflicted(
            Rule.fault_lifecycle,
            f"The fault is {status}; it cannot be {action.value}ed now.",
            zh=f"该故障当前为“{STATUS_ZH[FaultStatus(status)]}”，不能{ACTION_ZH[action]}。",
        )
    return to


def check_fix_note(action: FaultAction, comment: str) -> None:
    if action in (FaultAction.fix, FaultAction.reopen) and not comment.strip():
        raise Rejected(
            "Say what was done (a fix) or why it is reopened.",
            zh="请填写维修情况或重新打开的原因。",
        )


STATUS_ZH = {
    FaultStatus.open: "待维修",
    FaultStatus.fixed: "已维修待验收",
    FaultStatus.accepted: "已验收",
}
ACTION_ZH = {
    FaultAction.fix: "上报维修",
    FaultAction.accept: "验收",
    FaultAction.reopen: "重新打开",
}


def next_check_due(last_checked: date | None, every_days: int, since: date) -> date:
    """A device is due for a check every_days after its last one (or after it was added)."""
    return (last_checked or since) + timedelta(days=every_days)


def check_days_overdue(last_checked: date | None, every_days: int, since: date, today: date) -> int:
    return max(0, (today - next_check_due(last_checked, every_days, since)).days)
