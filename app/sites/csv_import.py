"""CSV import of sites with their gate windows (app.csv_upload checks the file first)."""

import re
from datetime import time

from pydantic import ValidationError
from sqlmodel import Session, select

from app.csv_upload import Problems, read_rows
from app.sites import service as sites
from app.sites.models import GateWindowCreate, Site, SiteCreate, SiteKind, WindowKind

SITE_COLUMNS = {
    "name": True,  # required
    "kind": False,
    "address": False,
    "lat": False,
    "lon": False,
    "timezone": False,
    "required_patrol_staff": False,
    "required_gate_staff": False,
    "arrival": False,  # "07:30-08:30", the 上学 gate window
    "dismissal": False,  # "16:30-17:30", the 放学 gate window
}
KIND_ALIASES = {
    "学校": SiteKind.school,
    "小学": SiteKind.school,
    "中学": SiteKind.school,
    "幼儿园": SiteKind.kindergarten,
    "重点场所": SiteKind.key_place,
}
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def _window(value: str, problems: Problems, line: int, field: str) -> tuple[time, time] | None:
    match = _WINDOW.match(value)
    if not match:
        problems.add(
            line,
            field,
            "write the window as HH:MM-HH:MM, e.g. 07:30-08:30",
            zh="时段写成 时:分-时:分，例如 07:30-08:30",
        )
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        problems.add(line, field, "not a valid time of day", zh="不是有效的时间")
        return None


def import_sites(session: Session, *, content: bytes, town_id: int, actor_id: int) -> list[Site]:
    """Validates every row, then adds the sites and their gate windows to the town."""
    rows = read_rows(content, SITE_COLUMNS)
    problems = Problems()
    existing = set(
        session.exec(select(Site.name).where(Site.active, Site.town_id == town_id)).all()
    )
    seen: dict[str, int] = {}
    planned: list[tuple[SiteCreate, list[GateWindowCreate]]] = []
    for line, row in rows:
        data = {
            k: v
            for k, v in row.items()
            if v and k in SITE_COLUMNS and k not in ("arrival", "dismissal")
        }
        if "kind" in data:
            data["kind"] = KIND_ALIASES.get(data["kind"], data["kind"])
        try:
            site = SiteCreate.model_validate(data)
        except ValidationError as exc:
            problems.add_validation(line, exc)
            continue
        if site.name in existing:
            problems.add(
                line,
                "name",
                f"a site named {site.name!r} already exists",
                zh=f"已有名为“{site.name}”的场所",
            )
        elif site.name in seen:
            problems.add(
                line,
                "name",
                f"the same name is already on line {seen[site.name]}",
                zh=f"第 {seen[site.name]} 行已有同名场所",
            )
        seen.setdefault(site.name, line)
        windows = []
        for field, kind, label in (
            ("arrival", WindowKind.arrival, "上学"),
            ("dismissal", WindowKind.dismissal, "放学"),
        ):
            if not row.get(field):
                continue
            span = _window(row[field], problems, line, field)
            if span is None:
                continue
            try:
                windows.append(
                    GateWindowCreate(name=label, kind=kind, starts=span[0], ends=span[1])
                )
            except ValidationError:
                problems.add(
                    line, field, "the window must end after it starts", zh="时段的结束须晚于开始"
                )
        planned.append((site, windows))
    problems.raise_if_any()
    created = []
    for new_site, windows in planned:
        stored = sites.create_site(session, data=new_site, town_id=town_id, actor_id=actor_id)
        for window in windows:
            sites.create_window(session, site=stored, data=window, actor_id=actor_id)
        created.append(stored)
    return created
