"""The organisation above the sites: a county (县) and its towns (镇).

Every site, patrol group and account belongs to one town; a town belongs to one county. The
town is the namespace of usernames and checkpoint codes, and the first thing every scope
checks (app.access.Scope.town_ids). Below auth, so login can name a town.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow

# The county and town every row of a deployment made before towns existed belongs to
# (migration 0004_towns); a one-town deployment never has to name its town.
DEFAULT_COUNTY_CODE = "county"
DEFAULT_TOWN_CODE = "town"


class County(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = utc_field(default_factory=utcnow)


class Town(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    # Short, typed after the username at login on a shared server: name@code.
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = utc_field(default_factory=utcnow)


class Department(StrEnum):
    """The town-level offices that take hazards and problems (and whose staff sign in with the
    `department` role): the police station and the traffic police also post officers at
    the gates; the four-in-one office collects the villages' dispute screening forms."""

    education_office = "education_office"  # 教委办
    police_station = "police_station"  # 派出所
    traffic_police = "traffic_police"  # 交警中队
    market_regulation = "market_regulation"  # 工商所
    four_in_one = "four_in_one"  # 四位一体办


class Village(SQLModel, table=True):
    """A village (村庄) of the town; its cadres (role `village`) hand in the monthly dispute
    screening form (矛盾纠纷排查表) to the four-in-one office."""

    __table_args__ = (UniqueConstraint("town_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    code: str = Field(max_length=32)  # unique within the town
    name: str = Field(max_length=200)
    district: str = Field(default="", max_length=200)  # 管区, the management district
    active: bool = True
    created_at: datetime = utc_field(default_factory=utcnow)


class TownPublic(SQLModel):
    id: int
    county_id: int
    code: str
    name: str
