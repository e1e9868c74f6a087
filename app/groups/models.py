"""Patrol groups (安全巡逻领导小组), their members and sites, and duty rosters (值班表)."""

from datetime import date, datetime

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow
from app.fields import CleanInput, PatchBody, PlausibleDate


class PatrolGroupBase(CleanInput):
    name: str = Field(min_length=1, max_length=200)
    leader_id: int | None = Field(default=None, foreign_key="app_user.id")


class PatrolGroup(PatrolGroupBase, table=True):
    __tablename__ = "patrol_group"
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)  # its members and sites are too
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


class PatrolGroupCreate(PatrolGroupBase):
    town_id: int | None = None  # default: the admin's own town
    member_ids: list[int] = []
    site_ids: list[int] = []


# Body of PATCH /api/groups/{id}: null clears the leader; name and active cannot be null.
class PatrolGroupUpdate(PatchBody):
    name: str = Field(default=None, min_length=1, max_length=200)
    leader_id: int | None = None
    active: bool = None


class PatrolGroupPublic(PatrolGroupBase):
    id: int
    town_id: int
    active: bool
    member_ids: list[int]
    site_ids: list[int]


# Membership of a user in a patrol group.
class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"
    group_id: int = Field(foreign_key="patrol_group.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)


# A site that a patrol group is responsible for.
class GroupSite(SQLModel, table=True):
    __tablename__ = "group_site"
    group_id: int = Field(foreign_key="patrol_group.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True, index=True)


# A group's duty roster for a period; submitted by the leader to the town office.
class Roster(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="patrol_group.id", index=True)
    period_start: date
    period_end: date
    due_at: datetime | None = utc_field(default=None)  # submission deadline set by the office
    submitted_at: datetime | None = utc_field(default=None)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = utc_field(default_factory=utcnow)


class RosterCreate(CleanInput):
    group_id: int
    period_start: PlausibleDate
    period_end: PlausibleDate
    due_at: datetime | None = None

    @model_validator(mode="after")
    def _period_order(self) -> "RosterCreate":
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        if (self.period_end - self.period_start).days > 92:
            raise ValueError("a roster covers at most 92 days")
        return self


# One planned duty: who is to patrol which site, from when to when (UTC).
class RosterShift(SQLModel, table=True):
    __tablename__ = "roster_shift"
    id: int | None = Field(default=None, primary_key=True)
    roster_id: int = Field(foreign_key="roster.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    starts_at: datetime = utc_field()
    ends_at: datetime = utc_field()


class RosterShiftMember(SQLModel, table=True):
    __tablename__ = "roster_shift_member"
    roster_shift_id: int = Field(foreign_key="roster_shift.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)


class RosterShiftCreate(CleanInput):
    site_id: int
    starts_at: datetime
    ends_at: datetime
    member_ids: list[int] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _times(self) -> "RosterShiftCreate":
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("times need a UTC offset, e.g. 2026-12-01T08:00:00+08:00")
        if self.ends_at <= self.starts_at:
            raise ValueError("a shift must end after it starts")
        if (self.ends_at - self.starts_at).total_seconds() > 48 * 3600:
            raise ValueError("a planned shift lasts at most 48 hours")
        return self


class RosterShiftPublic(SQLModel):
    id: int
    roster_id: int
    site_id: int
    starts_at: datetime
    ends_at: datetime
    member_ids: list[int]
    understaffed: bool  # fewer than the site's required patrol staff


class RosterPublic(SQLModel):
    id: int
    group_id: int
    period_start: date
    period_end: date
    due_at: datetime | None
    submitted_at: datetime | None
    submitted_by: int | None
    shifts: list[RosterShiftPublic] = []
