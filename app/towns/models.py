"""The organisation above the sites: a county (县) and its towns (镇).

Every site, patrol group and account belongs to one town; a town belongs to one county. The
town is the namespace of usernames and checkpoint codes, and the first thing every scope
checks (app.access.Scope.town_ids). Below auth, so login can name a town.
"""

from datetime import datetime

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


class TownPublic(SQLModel):
    id: int
    county_id: int
    code: str
    name: str
