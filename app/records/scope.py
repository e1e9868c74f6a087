"""The sites and records a mutation refers to, within its author's scope (the same rule as
pull): a refusal a person understands when they are unknown or not the author's."""

from app.records.errors import Rejected
from app.records.store import PushContext, Record
from app.sites.models import Site


def require_site(ctx: PushContext, site_id: int) -> Site:
    """The site exists and the author may record there; else a rejection a person understands."""
    site = ctx.lookup(("site", site_id), lambda: ctx.session.get(Site, site_id))
    if site is None:
        raise Rejected(f"There is no site with id {site_id}.")
    if not ctx.scope.sees_site(site_id):
        raise Rejected(f"You are not assigned to {site.name}; records there are not yours to add.")
    return site


def require_record(ctx: PushContext, model: type, record_id: str, what: str) -> Record:
    """A record this mutation refers to, which the author may see: made earlier in this push
    or stored."""
    record = ctx.get(model, record_id)
    if record is None:
        raise Rejected(f"The {what} {record_id} is unknown to the server; it was never synced.")
    if not ctx.scope.sees_site(record.site_id):
        raise Rejected(f"The {what} {record_id} is at a site you are not assigned to.")
    return record
