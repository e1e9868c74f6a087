"""Reading one synced record by id, with the same scope rule as pull."""

from typing import TypeVar

from sqlmodel import Session, SQLModel

from app.access import Scope
from app.errors import NotFound

T = TypeVar("T", bound=SQLModel)


def visible_record(session: Session, model: type[T], record_id: str, scope: Scope) -> T:
    """404 both for a missing record and for one at a site the caller may not see, so ids of
    other groups' records are not confirmed to exist."""
    record = session.get(model, record_id)
    if record is None or not scope.sees_site(record.site_id):
        raise NotFound(
            f"No {model.__name__} with id {record_id} that you may see.",
            message_zh=f"没有您可查看的、编号为 {record_id} 的记录。",
        )
    return record
