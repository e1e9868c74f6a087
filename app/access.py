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
from app.errors import NotFound


@dataclass(frozen=True, slots=True)
class Scope:
    """Immutable, so it can be computed once and shared by everything a request or a push
    does. Towns, sites and groups are ids only.

    Two reaches: what the caller may *see and change* (sees_site, site_filter: for a
    supervisor or admin every site of their towns) and what the caller's *phone needs*
    (feed_site_filter: a county supervisor reads the other towns' reports on the server and
    never pulls their records into IndexedDB)."""

    user_id: int
    sees_everything: bool  # supervisors and admins: every site and group of their towns
    town_id: int = 0  # the caller's own town: where what they create goes by default
    town_ids: frozenset[int] = frozenset()  # the towns within reach: one, or a county's
    county_wide: bool = False  # a county office account (town_ids: the county's towns)
    site_ids: frozenset[int] = frozenset()  # reached through groups and the home school
    member_group_ids: frozenset[int] = frozenset()
    led_group_ids: frozenset[int] = frozenset()  # active groups led, with the leader role
    led_site_ids: frozenset[int] = frozenset()  # the sites of the led groups
    town_site_ids: frozenset[int] = frozenset()  # every site of town_ids (sees_everything only)
    town_group_ids: frozenset[int] = frozenset()  # every group of town_ids (sees_everything)

    @property
    def group_ids(self) -> frozenset[int]:
        """The groups the caller belongs to or leads."""
        return self.member_group_ids | self.led_group_ids

    def sees_town(self, town_id: int) -> bool:
        return town_id in self.town_ids

    def sees_site(self, site_id: int) -> bool:
        return site_id in self.site_ids or (self.sees_everything and site_id in self.town_site_ids)

    def site_filter(self) -> frozenset[int]:
        """For a query: the sites the caller may see (an empty set means none)."""
        return self.town_site_ids | self.site_ids if self.sees_everything else self.site_ids

    def feed_site_filter(self) -> frozenset[int]:
        """The sites whose records the caller's phone pulls: a town's supervisor and admin
        hold their town; a county account only what it reaches through groups or a school."""
        return self.site_ids if self.county_wide else self.site_filter()

    def sees_group(self, group_id: int) -> bool:
        return group_id in self.group_ids or (
            self.sees_everything and group_id in self.town_group_ids
        )

    def group_filter(self) -> frozenset[int]:
        """For a query: the groups the caller may see (an empty set means none)."""
        return self.town_group_ids | self.group_ids if self.sees_everything else self.group_ids

    def feed_group_filter(self) -> frozenset[int]:
        """The groups a phone's bootstrap lists (see feed_site_filter)."""
        return self.group_ids if self.county_wide else self.group_filter()

    def leads_group(self, group_id: int) -> bool:
        return group_id in self.led_group_ids

    def leads_site(self, site_id: int) -> bool:
        """A leader reviews shifts at the sites of the groups she leads."""
        return site_id in self.led_site_ids


def town_for_new(scope: Scope, town_id: int | None) -> int:
    """The town a new site, group or account goes to: the one named, if within the caller's
    reach (404 otherwise, as for a town that does not exist), else the caller's own."""
    if town_id is None:
        return scope.town_id
    if not scope.sees_town(town_id):
        raise NotFound(
            f"No town with id {town_id} that you manage.",
            message_zh=f"没有您管理的编号为 {town_id} 的镇。",
        )
    return town_id


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
