"""Building mutations the way the phone does, and pushing them."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))


def in_days(n: int) -> str:
    """A local date n days from today (Shanghai), e.g. a due date that stays in the future."""
    return (datetime.now(SHANGHAI).date() + timedelta(days=n)).isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


def mut(type_: str, payload: dict, *, at: datetime | None = None, id: str | None = None) -> dict:
    at = at or datetime.now(SHANGHAI)
    return {"id": id or new_id(), "type": type_, "occurred_at": at.isoformat(), "payload": payload}


def push(client, headers, mutations, *, sent_at: datetime | None = None, outbox_depth=0):
    body = {
        "sent_at": (sent_at or datetime.now(SHANGHAI)).isoformat(),
        "outbox_depth": outbox_depth,
        "mutations": mutations,
    }
    res = client.post("/api/sync/push", json=body, headers=headers)
    assert res.status_code == 200, res.text
    return res.json()["results"]


def pull_all(client, headers, cursor=None, limit=500):
    """Every change after the cursor, following has_more; returns (changes, cursor)."""
    changes = []
    while True:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        res = client.get("/api/sync/pull", params=params, headers=headers)
        assert res.status_code == 200, res.text
        body = res.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor


def state_of(changes) -> dict:
    """Applying changes in order as upserts, as the phone does."""
    state = {}
    for c in changes:
        state[(c["entity"], c["id"])] = c["data"]
    return state


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
