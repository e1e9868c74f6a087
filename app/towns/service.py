"""Finding and adding towns; services flush, the caller commits."""

from sqlmodel import Session, select

from app.errors import Invalid
from app.towns.models import DEFAULT_COUNTY_CODE, County, Town


def the_town(session: Session, code: str | None = None) -> Town:
    """The town with this code; without a code, the only town (a one-town deployment)."""
    if code is not None:
        town = session.exec(select(Town).where(Town.code == code)).first()
        if town is None:
            raise Invalid(
                f"There is no town with the code {code!r}.",
                message_zh=f"没有代码为 {code} 的镇。",
            )
        return town
    towns = session.exec(select(Town).limit(2)).all()
    if len(towns) != 1:
        raise Invalid(
            "Name the town (its code): this server holds several towns, or none.",
            message_zh="请指明镇（镇代码）：本服务器有多个镇，或者还没有镇。",
        )
    return towns[0]


def add_town(
    session: Session, *, code: str, name: str, county_code: str = DEFAULT_COUNTY_CODE
) -> Town:
    """A town of the county (the county is added too the first time its code is named)."""
    if session.exec(select(Town.id).where(Town.code == code)).first() is not None:
        raise Invalid(
            f"The town code {code!r} is already used.",
            message_zh=f"镇代码 {code} 已被使用。",
        )
    county = session.exec(select(County).where(County.code == county_code)).first()
    if county is None:
        county = County(code=county_code, name=county_code)
        session.add(county)
        session.flush()
    town = Town(county_id=county.id, code=code, name=name)  # type: ignore[arg-type]  # flushed
    session.add(town)
    session.flush()
    return town
