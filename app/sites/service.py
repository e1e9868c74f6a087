"""Sites, gate windows and checkpoints: admin changes (audited), visibility, the QR sheet."""

import re
from html import escape
from typing import TypeVar

import segno
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.access import Scope
from app.audit import service as audit
from app.errors import Conflict, Invalid, NotFound
from app.sites.models import (
    Checkpoint,
    CheckpointCreate,
    GateWindow,
    GateWindowCreate,
    Site,
    SiteCreate,
)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


T = TypeVar("T", Site, GateWindow, Checkpoint)


def _snapshot(obj) -> dict:
    """audit.snapshot without pydantic's warning about enum fields loaded back as str."""
    return obj.model_dump(mode="json", warnings=False)


def _patch(
    session: Session, obj: T, changes: dict, *, actor_id: int, entity: str, nullable=frozenset()
) -> T:
    """Applies a PATCH (only the fields sent) and audits it with before and after."""
    if empty := [k for k, v in changes.items() if v is None and k not in nullable]:
        raise Invalid(
            f"{empty[0]} cannot be empty.",
            message_zh=f"{empty[0]} 不能为空。",
            details=[{"field": k, "message": "null", "message_zh": "不能为空"} for k in empty],
        )
    before = _snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    session.add(obj)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=obj.town_id if isinstance(obj, Site | Checkpoint) else None,
        action=f"{entity}.update",
        entity=entity,
        entity_id=obj.id,
        before=before,
        after=_snapshot(obj),
    )
    return obj


# ---- sites -------------------------------------------------------------------------------


def get_visible_site(session: Session, *, scope: Scope, site_id: int) -> Site:
    """The site if it exists and the caller may see it; 404 otherwise (existence is not
    leaked)."""
    site = session.get(Site, site_id)
    if site is None or not scope.sees_site(site_id):
        raise NotFound(
            f"No site with id {site_id} that you can see.",
            message_zh=f"没有您可查看的、编号为 {site_id} 的场所。",
        )
    return site


def get_site(session: Session, *, scope: Scope, site_id: int) -> Site:
    """The site or 404, for admins: a site of another town is as absent as a missing one."""
    site = session.get(Site, site_id)
    if site is None or not scope.sees_town(site.town_id):
        raise NotFound(f"No site with id {site_id}.", message_zh=f"没有编号为 {site_id} 的场所。")
    return site


def list_sites(session: Session, *, scope: Scope, include_inactive: bool = False) -> list[Site]:
    """Sites the caller may see, by id."""
    query = select(Site).order_by(Site.id)
    if not include_inactive:
        query = query.where(Site.active)
    visible = scope.site_filter()
    if visible is not None:
        if not visible:
            return []
        query = query.where(Site.id.in_(visible))
    return list(session.exec(query).all())


def create_site(session: Session, *, data: SiteCreate, town_id: int, actor_id: int | None) -> Site:
    """Adds a site to a town."""
    site = Site.model_validate(data, update={"town_id": town_id})
    session.add(site)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=town_id,
        action="site.create",
        entity="site",
        entity_id=site.id,
        after=_snapshot(site),
    )
    return site


def update_site(session: Session, *, site: Site, changes: dict, actor_id: int) -> Site:
    """Applies a PATCH to a site."""
    return _patch(session, site, changes, actor_id=actor_id, entity="site", nullable={"lat", "lon"})


def deactivate_site(session: Session, *, site: Site, actor_id: int) -> Site:
    """Soft-deletes a site: records that point at it stay valid."""
    return update_site(session, site=site, changes={"active": False}, actor_id=actor_id)


# ---- gate windows ------------------------------------------------------------------------


def list_windows(session: Session, *, site: Site, include_inactive: bool = False) -> list:
    """The site's gate windows in start order."""
    query = select(GateWindow).where(GateWindow.site_id == site.id)
    if not include_inactive:
        query = query.where(GateWindow.active)
    return list(session.exec(query.order_by(GateWindow.starts, GateWindow.id)).all())


def get_window(session: Session, *, site: Site, window_id: int) -> GateWindow:
    window = session.get(GateWindow, window_id)
    if window is None or window.site_id != site.id:
        raise NotFound(
            f"No gate window with id {window_id} at site {site.id}.",
            message_zh=f"场所 {site.id} 没有编号为 {window_id} 的值班时段。",
        )
    return window


def create_window(
    session: Session, *, site: Site, data: GateWindowCreate, actor_id: int | None
) -> GateWindow:
    """Adds a gate window (上学 / 放学) to a site."""
    window = GateWindow(site_id=site.id, **data.model_dump())
    session.add(window)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        town_id=site.town_id,
        action="gate_window.create",
        entity="gate_window",
        entity_id=window.id,
        after=_snapshot(window),
    )
    return window


def update_window(
    session: Session, *, window: GateWindow, changes: dict, actor_id: int
) -> GateWindow:
    """Applies a PATCH to a gate window; the window must still end after it starts."""
    starts, ends = changes.get("starts", window.starts), changes.get("ends", window.ends)
    if starts is not None and ends is not None and ends <= starts:
        raise Invalid(
            "A gate window must end after it starts.",
            message_zh="值班时段的结束时间须晚于开始时间。",
            details=[
                {"field": "ends", "message": "must be after starts", "message_zh": "须晚于开始时间"}
            ],
        )
    return _patch(session, window, changes, actor_id=actor_id, entity="gate_window")


# ---- checkpoints -------------------------------------------------------------------------


def list_checkpoints(session: Session, *, site: Site, include_inactive: bool = False) -> list:
    """The site's checkpoints by id."""
    query = select(Checkpoint).where(Checkpoint.site_id == site.id)
    if not include_inactive:
        query = query.where(Checkpoint.active)
    return list(session.exec(query.order_by(Checkpoint.id)).all())


def get_checkpoint(session: Session, *, site: Site, checkpoint_id: int) -> Checkpoint:
    cp = session.get(Checkpoint, checkpoint_id)
    if cp is None or cp.site_id != site.id:
        raise NotFound(
            f"No checkpoint with id {checkpoint_id} at site {site.id}.",
            message_zh=f"场所 {site.id} 没有编号为 {checkpoint_id} 的巡逻点。",
        )
    return cp


def _code_taken(code: str) -> Conflict:
    return Conflict(
        f"The checkpoint code {code!r} is already used (codes are unique within the town, "
        "including deactivated checkpoints); choose another code.",
        message_zh=f"巡逻点编码 {code} 已被使用（全镇唯一，含已停用的巡逻点），请换一个编码。",
        details=[{"field": "code", "message": "already used", "message_zh": "已被使用"}],
    )


def create_checkpoint(
    session: Session, *, site: Site, data: CheckpointCreate, actor_id: int | None
) -> Checkpoint:
    """Adds a checkpoint; its code is printed as a QR code and must be unique."""
    if not CODE_PATTERN.match(data.code):
        raise Invalid(
            "A checkpoint code is 3-64 letters, digits, '.', '_' or '-' (it is printed as a "
            "QR code), e.g. DF-GATE-01.",
            message_zh="巡逻点编码为 3-64 位字母、数字或 . _ -（会印成二维码），例如 DF-GATE-01。",
            details=[
                {
                    "field": "code",
                    "message": "use A-Z, a-z, 0-9, '.', '_' or '-'",
                    "message_zh": "只能用字母、数字、. _ -",
                }
            ],
        )
    taken = select(Checkpoint.id).where(
        Checkpoint.town_id == site.town_id, Checkpoint.code == data.code
    )
    if session.exec(taken).first():
        raise _code_taken(data.code)
    cp = Checkpoint(site_id=site.id, town_id=site.town_id, **data.model_dump())
    session.add(cp)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert won the race; the caller rolls back
        raise _code_taken(data.code) from exc
    audit.record(
        session,
        actor_id=actor_id,
        town_id=site.town_id,
        action="checkpoint.create",
        entity="checkpoint",
        entity_id=cp.id,
        after=_snapshot(cp),
    )
    return cp


def update_checkpoint(
    session: Session, *, checkpoint: Checkpoint, changes: dict, actor_id: int
) -> Checkpoint:
    """Applies a PATCH to a checkpoint (the code is printed, so it does not change)."""
    nullable = {"lat", "lon"}
    return _patch(
        session, checkpoint, changes, actor_id=actor_id, entity="checkpoint", nullable=nullable
    )


# ---- printable sheet ---------------------------------------------------------------------

SHEET_CSS_PATH = "/api/sites/sheet.css"

SHEET_CSS = """\
@page { size: A4; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
table.sheet { border-collapse: collapse; width: 100%; }
table.sheet td { width: 50%; border: 0.4mm dashed #555; padding: 4mm; text-align: center;
                 vertical-align: top; break-inside: avoid; page-break-inside: avoid; }
table.sheet tr { break-inside: avoid; page-break-inside: avoid; }
table.sheet svg { width: 60mm; height: 60mm; }
.name { font-size: 14pt; font-weight: bold; margin-top: 2mm; }
.code { font-family: monospace; font-size: 11pt; }
@media print { .hint { display: none; } }
"""


def qr_svg(code: str) -> str:
    """The checkpoint code as an inline SVG QR code, sized by attributes (no inline style)."""
    qr = segno.make(code, error="m", micro=False)
    svg = qr.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=False)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(code)}" ', 1)


def checkpoint_sheet_html(*, site: Site, checkpoints: list[Checkpoint]) -> str:
    """A printable page: one cell per checkpoint with its QR code, name and code.

    A table lays out two cards a row and the SVGs carry their own size, so the page prints
    sensibly even where the stylesheet is not loaded; no inline style or script (CSP).
    """
    cells = [
        f"<td>{qr_svg(cp.code)}"
        f'<div class="name">{escape(cp.name)}</div>'
        f'<div class="code">{escape(cp.code)}</div></td>'
        for cp in checkpoints
    ]
    rows = "\n".join(f"<tr>{''.join(cells[i : i + 2])}</tr>" for i in range(0, len(cells), 2))
    body = f'<table class="sheet">\n{rows}\n</table>'
    if not checkpoints:
        body = "<p>这个场所还没有巡逻点。(No active checkpoints at this site yet.)</p>"
    title = f"{escape(site.name)} 巡逻点二维码"
    return (
        "<!doctype html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f'<link rel="stylesheet" href="{SHEET_CSS_PATH}">'
        "</head><body>"
        f"<h1>{title}</h1>"
        '<p class="hint">打印后剪下，贴在对应巡逻点；巡逻时扫码签到。</p>'
        f"{body}"
        "</body></html>\n"
    )
