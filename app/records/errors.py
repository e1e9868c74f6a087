"""The two ways a rule decides against a mutation, and the names of the rules."""

from enum import StrEnum


class Rule(StrEnum):
    """The named rules a push answers with (`rule` of a result; docs/sync.md, "Conflict rules")."""

    shift_locked = "shift_locked"
    first_review_wins = "first_review_wins"
    shift_not_ended = "shift_not_ended"
    hazard_lifecycle = "hazard_lifecycle"
    visitor_already_left = "visitor_already_left"
    visitor_already_decided = "visitor_already_decided"  # the host's first answer stands
    fix_photos_missing = "fix_photos_missing"  # 验收 before the fix photos reached the server
    roll_call_taken = "roll_call_taken"  # a dorm's roll call of that night is in already
    leave_open = "leave_open"  # the pupil is out on a leave not yet closed (销假)
    leave_closed = "leave_closed"  # the leave was closed already
    form_superseded = "form_superseded"  # a later form of the village and month is stored
    fault_lifecycle = "fault_lifecycle"  # a defence fault moves only along its lifecycle
    # Police at the gate and leadership duty (app.police, app.duty).
    duty_recorded = "duty_recorded"  # the school's duty record of that day is in already
    id_reused = "id_reused"  # the exactly-once log (sync), not a record's rule
    # Who may push what (docs/sync.md, "Who may push what"; app.records.authz): refusals.
    role_may_not = "role_may_not"  # the author's role never does this
    account_disabled = "account_disabled"  # an authority action from a disabled account
    not_your_site = "not_your_site"  # the record is at a site the author does not see
    not_this_school = "not_this_school"  # neither gate staff of this site nor in its patrol
    not_your_group = "not_your_group"  # a shift for a group that is not the author's here
    not_on_shift = "not_on_shift"  # ends or scans a shift she neither recorded nor is on
    not_group_leader = "not_group_leader"  # reviews a shift of a group she does not lead
    own_shift_review = "own_shift_review"  # reviews a shift she recorded or is listed on
    not_site_leader = "not_site_leader"  # assigns or reopens a hazard of a site she does not lead
    own_rectify_close = "own_rectify_close"  # closes a hazard whose fix she reported herself
    not_school_staff = "not_school_staff"  # boarding records by someone not of this school
    not_your_village = "not_your_village"  # a village form by someone not of that village
    not_post_officer = "not_post_officer"  # police presence by neither its department nor the gate
    not_duty_cadre = "not_duty_cadre"  # a duty record by someone not planned (nor substitute)


def both(zh: str, en: str) -> str:
    """The two texts in the mutation log's one message field: "中文 / English"."""
    return f"{zh} / {en}"


def split_both(text: str | None) -> tuple[str | None, str | None]:
    """(zh, en) of a logged message: both() undone; a text without Chinese is English only."""
    if not text:
        return None, text
    zh, sep, en = text.partition(" / ")
    if sep and any("\u4e00" <= ch <= "\u9fff" for ch in zh):
        return zh, en
    return None, text


class Rejected(Exception):
    """The mutation can never take effect; `message` says why in English and `message_zh` in
    Chinese, for a person (the phone shows the one of its language). The mutation log keeps
    both in one field (`logged`, see both())."""

    def __init__(self, message: str, rule: Rule | None = None, *, zh: str):
        super().__init__(message)
        self.message = message
        self.message_zh = zh
        self.rule = rule

    @property
    def logged(self) -> str:
        return both(self.message_zh, self.message)


class Conflicted(Exception):
    """Valid, but the server's state decided against it under a named rule; texts as in
    Rejected. `current` is the record as the server holds it; a rule leaves it None and the
    handler fills it in (app.records.registry.show_current), because the rule knows only plain
    facts."""

    def __init__(self, rule: Rule, message: str, current: dict | None = None, *, zh: str):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.message_zh = zh
        self.current = current

    @property
    def logged(self) -> str:
        return both(self.message_zh, self.message)
