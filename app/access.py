"""What the caller may see: the Scope value, and `ScopeDep`, computed once per request.

Plumbing that knows no domain tables. The rule that computes a Scope (roles, group
memberships, led groups, a gate keeper's home school) is app.groups.membership.scope_of;
create_app hands it in as `app.state.resolve_scope`, so packages below groups (sites) check
visibility without importing groups. Code without a request (the push) calls scope_of once
and passes the Scope on.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.auth.models import User
from app.db import read_session


@dataclass(frozen=True, slots=True)
class Scope:
    """Immutable, so it can be computed once and shared by everything a request or a push
    does. Sites and groups are ids only; a new dimension (towns) is one more field."""

    user_id: int
    sees_everything: bool  # supervisors and admins: every site and group
    site_ids: frozenset[int] = frozenset()  # reached through groups and the home school
    member_group_ids: frozenset[int] = frozenset()
    led_group_ids: frozenset[int] = frozenset()  # active groups led, with the leader role
    led_site_ids: frozenset[int] = frozenset()  # the sites of the led groups

    @property
    def group_ids(self) -> frozenset[int]:
        """The groups the caller belongs to or leads."""
        return self.member_group_ids | self.led_group_ids

    def sees_site(self, site_id: int) -> bool:
        return self.sees_everything or site_id in self.site_ids

    def site_filter(self) -> frozenset[int] | None:
        """For a query: None means no filter (every site); an empty set means none."""
        return None if self.sees_everything else self.site_ids

    def sees_group(self, group_id: int) -> bool:
        return self.sees_everything or group_id in self.group_ids

    def group_filter(self) -> frozenset[int] | None:
        """For a query: None means no filter (every group); an empty set means none."""
        return None if self.sees_everything else self.group_ids

    def leads_group(self, group_id: int) -> bool:
        return group_id in self.led_group_ids

    def leads_site(self, site_id: int) -> bool:
        """A leader reviews shifts at the sites of the groups she leads."""
        return site_id in self.led_site_ids


ScopeResolver = Callable[[Session, User], Scope]


def get_scope(request: Request, user: CurrentUser) -> Scope:
    """In a short read-only session of its own, closed before the route runs, like the
    caller lookup (app.auth.deps.get_caller): the route's own session may be a writer."""
    resolve: ScopeResolver | None = getattr(request.app.state, "resolve_scope", None)
    if resolve is None:
        raise RuntimeError("app.state.resolve_scope is not set; create_app wires it in")
    with read_session() as session:
        return resolve(session, user)


ScopeDep = Annotated[Scope, Depends(get_scope)]
