"""The push body under fuzz: known-good mutations mixed with arbitrary junk (any JSON value,
text with lone surrogates and NUL, huge numbers, deep nesting, a wrong value in any field of
a good mutation). Whatever the junk, the answer is 200 with one result per element, and
every good mutation is applied and stored (issue 15: one bad element never sinks a batch).

The bounded run is part of `make test`; `make fuzz-push` (PATROL_FUZZ_LONG=1, marker `slow`)
runs PATROL_FUZZ_EXAMPLES examples (default 2000)."""

import json
import os
from collections import Counter
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from app.hazards.models import Hazard
from tests.sync_helpers import SHANGHAI, mut

LONG = os.environ.get("PATROL_FUZZ_LONG") == "1"

# Text as a hostile client may send it: any code point, lone surrogates and NUL included.
odd_text = st.lists(
    st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
        st.sampled_from(["\ud800", "\udfff", "\x00", "x\ud83dy", "\ufeff", "-" * 36]),
    ),
    max_size=12,
).map("".join)
huge = st.one_of(
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**300, 1e308, -1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), huge, st.floats(allow_nan=False), odd_text)
any_json = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)
    ),
    max_leaves=16,
)


def _nested(depth: int, leaf) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


deep = st.builds(_nested, st.integers(min_value=1, max_value=300), scalars)
FIELDS = ["id", "type", "occurred_at", "payload"]
PAYLOAD_FIELDS = ["site_id", "category", "description", "severity", "lat", "photos", "new"]


@st.composite
def junk(draw, site_id: int) -> object:
    """One bad element: any JSON, or a good-looking mutation with one field replaced."""
    kind = draw(st.sampled_from(["json", "deep", "envelope", "payload", "type"]))
    if kind == "json":
        return draw(any_json)
    if kind == "deep":
        return draw(deep)
    template = _good(site_id)
    value = draw(st.one_of(any_json, deep))
    if kind == "envelope":
        return {**template, draw(st.sampled_from(FIELDS)): value}
    if kind == "payload":
        field = draw(st.sampled_from(PAYLOAD_FIELDS))
        return {**template, "payload": {**template["payload"], field: value}}
    other = draw(st.sampled_from(["shift.scan", "gate.check", "visitor.leave", "x" * 41]))
    return {**template, "type": other, "payload": draw(st.one_of(any_json, deep))}


def _good(site_id: int) -> dict:
    return mut("hazard.report", {"site_id": site_id, "category": "fire", "description": "灭火器"})


@st.composite
def batches(draw, site_id: int) -> list[tuple[bool, object]]:
    """(is_good, element) in a random order; at least one good one."""
    bad = draw(st.lists(junk(site_id), min_size=1, max_size=8))
    n_good = draw(st.integers(min_value=1, max_value=3))
    slots = [(False, b) for b in bad] + [(True, None)] * n_good
    return draw(st.permutations(slots))


def _run(client, login, session, site_id: int, max_examples: int) -> Counter:
    headers = {**login("member_a1"), "content-type": "application/json"}
    figures: Counter = Counter()

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=not LONG,
        suppress_health_check=list(HealthCheck),
    )
    @given(batches(site_id))
    def one_batch(slots):
        elements = [_good(site_id) if good else bad for good, bad in slots]
        body = {"sent_at": datetime.now(SHANGHAI).isoformat(), "mutations": elements}
        res = client.post("/api/sync/push", content=json.dumps(body), headers=headers)
        assert res.status_code == 200, (res.status_code, res.text[:500])
        results = res.json()["results"]
        assert len(results) == len(elements)
        good_ids = [e["id"] for (good, _), e in zip(slots, elements, strict=True) if good]
        for (good, _), element, result in zip(slots, elements, results, strict=True):
            if good:
                assert (result["id"], result["status"]) == (element["id"], "applied"), result
            figures[result["status"]] += 1
        session.rollback()
        stored = set(session.exec(select(Hazard.id).where(Hazard.id.in_(good_ids))).all())
        assert stored == set(good_ids)
        figures["examples"] += 1

    one_batch()
    return figures


def test_fuzz_push_bounded(client, town, login, session, capsys):
    figures = _run(client, login, session, town.sites["a"].id, max_examples=60)
    with capsys.disabled():
        print(f"\npush fuzz (bounded): {dict(figures)}")
    assert figures["examples"] >= 60


@pytest.mark.slow
@pytest.mark.timeout(0)
@pytest.mark.skipif(not LONG, reason="the long push fuzz: make fuzz-push (PATROL_FUZZ_LONG=1)")
def test_fuzz_push_long(client, town, login, session, capsys):
    examples = int(os.environ.get("PATROL_FUZZ_EXAMPLES", "2000"))
    figures = _run(client, login, session, town.sites["a"].id, max_examples=examples)
    with capsys.disabled():
        print(f"\npush fuzz (long, {examples} examples): {dict(figures)}")
    assert figures["examples"] >= examples
