"""The two ways a rule decides against a mutation, and the names of the rules."""

from enum import StrEnum


class Rule(StrEnum):
    """The named rules a push answers with (`rule` of a result; docs/sync.md, "Conflict rules")."""

    shift_locked = "shift_locked"
    first_review_wins = "first_review_wins"
    shift_not_ended = "shift_not_ended"
    hazard_lifecycle = "hazard_lifecycle"
    visitor_already_left = "visitor_already_left"
    id_reused = "id_reused"  # the exactly-once log (sync), not a record's rule


class Rejected(Exception):
    """The mutation can never take effect; the message says why, for a person."""

    def __init__(self, message: str, rule: Rule | None = None):
        super().__init__(message)
        self.message = message
        self.rule = rule


class Conflicted(Exception):
    """Valid, but the server's state decided against it under a named rule. `current` is the
    record as the server holds it; a rule leaves it None and the handler fills it in
    (app.records.registry.show_current), because the rule knows only plain facts."""

    def __init__(self, rule: Rule, message: str, current: dict | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.current = current
