"""Hypothesis state machine: phones of every kind of caller go offline, record, push in any
order with duplicates, partial batches, lost responses and server restarts. An oracle (the
rule table, then the conflict rules) predicts every outcome; at the end the server holds
exactly the records created, each once, and every puller's view equals the server's."""

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func
from sqlmodel import Session, select

from app.hazards.models import HazardAction, HazardStatus
from app.hazards.rules import LIFECYCLE
from app.sync.models import Mutation
from tests.conftest import wipe_database
from tests.factories import PASSWORD, build_town
from tests.sync_helpers import SHANGHAI, in_days, new_id, pull_all, state_of

FAKE_PHOTO = "ab" * 32
ENTITY_OF = {
    "shift.start": "shift",
    "shift.scan": "scan",
    "shift.review": "review",
    "hazard.report": "hazard",
    "hazard.transition": "hazard_event",
}


@dataclass
class Phone:
    username: str
    headers: dict = field(default_factory=dict)
    outbox: list = field(default_factory=list)
    clock_skew: timedelta = timedelta(0)
    cursor: str | None = None
    local: dict = field(default_factory=dict)  # pulled copy, (entity, id) -> data

    def now(self) -> datetime:
        return datetime.now(SHANGHAI) + self.clock_skew


# The phones, each a kind of caller, and the rule table as it applies to them
# (docs/sync.md, "Who may push what"): group A (a1, a2, its leader, and "off", a member
# disabled while her phone was offline) patrols schools a and a2; gate_a keeps school a's
# gate; b1 is in group B, elsewhere; the supervisor and the admin see everything.
USERS = {
    "a1": "member_a1",
    "a2": "member_a2",
    "leader": "leader_a",
    "sup": "supervisor",
    "gate": "gate_a",
    "b1": "member_b1",
    "admin": "admin",
    "off": "member_a4",
}
PHONES = list(USERS)
FIELD_A = {"a1", "a2", "leader", "off"}  # start shifts at a and a2 (off: marked, accepted)
SEES = {"a": FIELD_A | {"sup", "admin", "gate"}, "a2": FIELD_A | {"sup", "admin"}}
REPORTS = FIELD_A | {"gate", "sup"}  # hazards, at school a
MOVES = {"assign": {"leader", "sup", "admin"}, "reopen": {"leader", "sup", "admin"}}
MOVES |= {"rectify": SEES["a"], "close": {"sup", "admin"}}


class Oracle:
    """What the server must answer, applying mutations in arrival order: the rule table
    first (rejected), then the conflict rules."""

    def __init__(self):
        self.outcome: dict[str, str] = {}  # mutation id -> applied / conflict / rejected
        self.shifts: dict[str, str] = {}
        self.shift_site: dict[str, str] = {}  # shift id -> its site, as recorded
        self.shift_of: dict[str, tuple[str, str]] = {}  # shift id -> (recorder phone, site)
        self.hazards: dict[str, str] = {}
        self.fixer: dict[str, str] = {}  # hazard id -> the phone that reported its last fix
        self.records: dict[str, set[str]] = {e: set() for e in ENTITY_OF.values()}

    def apply(self, m: dict, phone: str) -> str:
        if m["id"] in self.outcome:
            return "duplicate"
        status = self._decide(m["type"], m["payload"], phone)
        self.outcome[m["id"]] = status
        if status == "applied" and m["type"] in ENTITY_OF:
            self.records[ENTITY_OF[m["type"]]].add(m["id"])
        if status == "applied":
            self._effect(m, phone)
        return status

    def _decide(self, type_: str, p: dict, phone: str) -> str:
        if type_ == "shift.start":
            return "applied" if phone in FIELD_A else "rejected"
        if type_ == "hazard.report":
            return "applied" if phone in REPORTS else "rejected"
        if type_ in ("shift.scan", "shift.end", "shift.review"):
            if p["shift_id"] not in self.shifts:
                return "rejected"
            recorder, site = self.shift_of[p["shift_id"]]
            if phone not in SEES[site]:
                return "rejected"
            status = self.shifts[p["shift_id"]]
            if type_ == "shift.review":
                if phone not in ("leader", "sup") or phone == recorder:
                    return "rejected"
                return "applied" if status == "ended" else "conflict"
            if phone != recorder and not (type_ == "shift.end" and phone == "leader"):
                return "rejected"
            return "conflict" if status == "confirmed" else "applied"
        if type_ == "hazard.transition":
            if p["hazard_id"] not in self.hazards or phone not in SEES["a"]:
                return "rejected"
            if phone not in MOVES[p["action"]]:
                return "rejected"
            if p["action"] == "close" and self.fixer.get(p["hazard_id"]) == phone:
                return "rejected"
            allowed, _ = LIFECYCLE[HazardAction(p["action"])]
            return (
                "applied" if HazardStatus(self.hazards[p["hazard_id"]]) in allowed else "conflict"
            )
        raise AssertionError(type_)

    def _effect(self, m: dict, phone: str) -> None:
        p = m["payload"]
        if m["type"] == "shift.start":
            self.shifts[m["id"]] = "open"
            self.shift_of[m["id"]] = (phone, self.shift_site[m["id"]])
        elif m["type"] == "shift.end" or (
            m["type"] == "shift.scan" and self.shifts[p["shift_id"]] == "returned"
        ):
            self.shifts[p["shift_id"]] = "ended"
        elif m["type"] == "shift.review":
            self.shifts[p["shift_id"]] = "confirmed" if p["decision"] == "confirm" else "returned"
        elif m["type"] == "hazard.report":
            self.hazards[m["id"]] = "reported"
        elif m["type"] == "hazard.transition":
            self.hazards[p["hazard_id"]] = LIFECYCLE[HazardAction(p["action"])][1].value
            if p["action"] == "rectify":
                self.fixer[p["hazard_id"]] = phone


def make_machine(client, engine):
    class SyncMachine(RuleBasedStateMachine):
        @initialize()
        def fresh_town(self):
            wipe_database(engine)
            with Session(engine, expire_on_commit=False) as s:
                self.town = build_town(s)
            self.phones = {}
            for name, user in USERS.items():
                res = client.post(
                    "/api/auth/login",
                    json={
                        "username": user,
                        "password": PASSWORD,
                        "device_id": f"device-{name}-0001",
                    },
                )
                self.phones[name] = Phone(
                    user, {"Authorization": f"Bearer {res.json()['access_token']}"}
                )
            off = self.town.users[USERS["off"]].id  # disabled while her phone is offline
            res = client.patch(
                f"/api/users/{off}", json={"active": False}, headers=self.phones["admin"].headers
            )
            assert res.status_code == 200, res.text
            self.oracle = Oracle()
            self.shifts: list[tuple[str, str, str]] = []  # (id, site, recording phone)
            self.hazard_ids: list[str] = []
            self.author: dict[str, str] = {}  # mutation id -> the phone that recorded it

        def _record(self, phone: str, type_: str, payload: dict) -> dict:
            m = {
                "id": new_id(),
                "type": type_,
                "occurred_at": self.phones[phone].now().isoformat(),
                "payload": payload,
            }
            self.phones[phone].outbox.append(m)
            self.author[m["id"]] = phone
            return m

        @rule(
            phone=st.sampled_from(["a1", "a2", "a1", "a2", "leader", "off", "gate", "b1"]),
            site=st.sampled_from(["a", "a2"]),
        )
        def start_shift(self, phone, site):
            m = self._record(
                phone, "shift.start", {"site_id": self.town.sites[site].id, "member_ids": []}
            )
            self.shifts.append((m["id"], site, phone))
            self.oracle.shift_site[m["id"]] = site

        @precondition(lambda self: self.shifts)
        @rule(
            phone=st.sampled_from(PHONES),
            own=st.booleans(),
            pick=st.integers(0, 50),
            cp=st.integers(0, 3),
            end=st.booleans(),
        )
        def scan_or_end(self, phone, own, pick, cp, end):
            """Mostly on a shift the phone recorded; else on anyone's."""
            mine = [s for s in self.shifts if s[2] == phone]
            pool = mine if own and mine else self.shifts
            shift_id, site, _ = pool[pick % len(pool)]
            if end:
                self._record(phone, "shift.end", {"shift_id": shift_id})
            else:
                cps = self.town.checkpoints[site]
                self._record(
                    phone,
                    "shift.scan",
                    {"shift_id": shift_id, "checkpoint_code": cps[cp % len(cps)].code},
                )

        @rule(phone=st.sampled_from(["a1", "a2", *PHONES]))
        def report_hazard(self, phone):
            m = self._record(
                phone,
                "hazard.report",
                {"site_id": self.town.sites["a"].id, "category": "fire", "description": "隐患"},
            )
            self.hazard_ids.append(m["id"])

        @precondition(lambda self: self.shifts)
        @rule(
            phone=st.sampled_from(["leader", "leader", "sup", *PHONES]),
            pick=st.integers(0, 50),
            confirm=st.booleans(),
            awaiting=st.booleans(),
        )
        def someone_reviews(self, phone, pick, confirm, awaiting):
            """Mostly a shift the server has (as a leader's list shows); sometimes one it
            has not seen yet, which is rejected. Mostly the leader or the supervisor."""
            shifts = [sid for sid, _, _ in self.shifts]
            on_server = [sid for sid in shifts if sid in self.oracle.shifts]
            pool = on_server if awaiting and on_server else shifts
            shift_id = pool[pick % len(pool)]
            payload = {"shift_id": shift_id, "decision": "confirm" if confirm else "return"}
            if not confirm:
                payload["comment"] = "请补充"
            self._record(phone, "shift.review", payload)

        @precondition(lambda self: self.hazard_ids)
        @rule(
            phone=st.sampled_from(["sup", "sup", *PHONES]),
            pick=st.integers(0, 50),
            action=st.sampled_from(list(HazardAction)),
        )
        def someone_moves_hazard(self, phone, pick, action):
            payload = {
                "hazard_id": self.hazard_ids[pick % len(self.hazard_ids)],
                "action": action.value,
                "photos": [FAKE_PHOTO],
            }
            if action == HazardAction.assign:
                payload |= {"department": "education_office", "due_date": in_days(30)}
            self._record(phone, "hazard.transition", payload)

        @rule(
            phone=st.sampled_from(PHONES),
            skew_hours=st.sampled_from([0, 0, 3, -30, 49]),
        )
        def clock_is_set_wrong(self, phone, skew_hours):
            self.phones[phone].clock_skew = timedelta(hours=skew_hours)

        @precondition(lambda self: any(p.outbox for p in self.phones.values()))
        @rule(
            phone=st.sampled_from(PHONES),
            take=st.integers(1, 6),
            lose_response=st.booleans(),
            resend_first=st.booleans(),
        )
        def comes_online_and_pushes(self, phone, take, lose_response, resend_first):
            p = self.phones[phone]
            batch = p.outbox[:take]
            if resend_first and batch:
                batch = [batch[0], *batch]  # a duplicate inside one batch
            if not batch:
                return
            body = {
                "sent_at": p.now().isoformat(),
                "outbox_depth": len(p.outbox),
                "mutations": batch,
            }
            res = client.post("/api/sync/push", json=body, headers=p.headers)
            assert res.status_code == 200, res.text
            results = res.json()["results"]
            for m, r in zip(batch, results, strict=True):
                expected = self.oracle.apply(m, self.author[m["id"]])
                assert r["status"] == expected, (m, r)
            if not lose_response:
                acked = {m["id"] for m in batch}
                p.outbox = [m for m in p.outbox if m["id"] not in acked]

        @rule(order=st.permutations(PHONES))
        def everyone_syncs(self, order):
            """The periodic sync: every phone pushes its whole outbox, in some order."""
            for phone in order:
                if self.phones[phone].outbox:
                    self.comes_online_and_pushes(phone, 50, lose_response=False, resend_first=False)

        @rule()
        def server_restarts(self):
            engine.dispose()  # every pooled connection is gone; state lives in the database

        @rule(phone=st.sampled_from(["a1", "leader", "sup"]))
        def pulls(self, phone):
            p = self.phones[phone]
            changes, p.cursor = pull_all(client, p.headers, p.cursor, limit=7)
            p.local.update(state_of(changes))

        @invariant()
        def each_mutation_is_logged_once(self):
            if not hasattr(self, "oracle"):
                return
            with Session(engine) as s:
                logged = s.exec(select(func.count()).select_from(Mutation)).one()
            assert logged == len(self.oracle.outcome)

        def teardown(self):
            if not hasattr(self, "oracle"):
                return
            for p in self.phones.values():  # everyone comes back online for good
                while p.outbox:
                    body = {
                        "sent_at": p.now().isoformat(),
                        "outbox_depth": 0,
                        "mutations": p.outbox[:50],
                    }
                    res = client.post("/api/sync/push", json=body, headers=p.headers)
                    for m, r in zip(p.outbox[:50], res.json()["results"], strict=True):
                        assert r["status"] == self.oracle.apply(m, self.author[m["id"]])
                    p.outbox = p.outbox[50:]
            fresh, _ = pull_all(client, self.phones["sup"].headers)
            server = state_of(fresh)
            for entity, ids in self.oracle.records.items():
                assert {i for (e, i) in server if e == entity} == ids, entity
            for name in ("a1", "leader", "sup"):
                p = self.phones[name]
                changes, p.cursor = pull_all(client, p.headers, p.cursor)
                p.local.update(state_of(changes))
                mine = {
                    k: v
                    for k, v in server.items()
                    if v["site_id"] in {self.town.sites["a"].id, self.town.sites["a2"].id}
                }
                assert p.local == mine, name

    return SyncMachine


@pytest.mark.timeout(1200)  # shrinking a failure takes long; a pass takes ~10 s
def test_sync_over_random_histories_loses_nothing_and_counts_nothing_twice(client, engine):
    machine = make_machine(client, engine)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=int(os.environ.get("PATROL_SYNC_EXAMPLES", "25")),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
