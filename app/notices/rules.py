"""The rules of notices and veto cases, plain facts in, a decision or an error out."""

from app.errors import Conflict, Invalid
from app.notices.models import Notice, NoticeStatus

MAX_DRAFT_LINES = 2000


def notice_number(town_name: str, year: int, seq: int) -> str:
    """The number an issued notice carries: 青山镇〔2026〕3号."""
    return f"{town_name}〔{year}〕{seq}号"


def check_draft(notice: Notice) -> None:
    """Only a draft is reviewed or issued: an issued notice is immutable, a withdrawn one kept."""
    if notice.status == NoticeStatus.issued.value:
        raise Conflict(
            f"Notice {notice.number} is issued and can no longer change; withdraw it instead.",
            message_zh=f"通报{notice.number}已印发，不能再修改；如有错误请撤销。",
        )
    if notice.status == NoticeStatus.withdrawn.value:
        raise Conflict(
            f"Notice {notice.number or notice.id} was withdrawn and is kept as it was.",
            message_zh=f"通报{notice.number or notice.id}已撤销，按原样保存，不能修改。",
        )


def check_withdrawable(notice: Notice) -> None:
    if notice.status == NoticeStatus.draft.value:
        raise Conflict(
            "A draft is not issued: there is nothing to withdraw.",
            message_zh="草稿尚未印发，无需撤销。",
        )
    if notice.status == NoticeStatus.withdrawn.value:
        raise Conflict(
            f"Notice {notice.number} was withdrawn already.",
            message_zh=f"通报{notice.number}已撤销。",
        )


def check_issuable(kept_lines: int) -> None:
    """A notice names at least one subject: an empty one reports nobody."""
    if kept_lines == 0:
        raise Invalid(
            "The notice has no lines left: there is nobody to report.",
            message_zh="通报中没有任何条目，无需印发。",
        )


def check_period(date_from, date_to) -> None:
    if date_to < date_from:
        raise Invalid("The end date is before the start date.", message_zh="结束日期早于开始日期。")
    if (date_to - date_from).days + 1 > 366:
        raise Invalid("A notice covers at most 366 days.", message_zh="一份通报最多涵盖 366 天。")
