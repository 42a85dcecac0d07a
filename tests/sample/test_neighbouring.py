"""Every DP release's recorded sensitivity holds on neighbouring databases (one user removed).

Runs the sampler's own SQL, without noise, on a database and on the same database without
one user's rows, and compares the L1 change of each release's count and distinct-entity
vectors with the sensitivity the manifest records. The same harness shows that the old
declarations (1 per histogram, 2 for messages per conversation, over unbounded rows) fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from synthgen.pg.connect import connect, execute
from synthgen.pg.sql import quote_ident
from synthgen.sample.bounded import (
    MEMBERSHIPS_PER_USER,
    MESSAGES_PER_USER,
    RELEASES,
    UNBOUNDABLE,
    releases_sql,
)
from synthgen.sample.measures import MEASURES
from synthgen.sample.queries import Cat, Hist, RawCounts, measures_sql, split_rows
from synthgen.sample.sources import HEAVY_ROOM_MIN_MESSAGES, with_clause
from tests.fixtures.db import pg_exec
from tests.sample import neighbours
from tests.sample.neighbours import World

pytestmark = pytest.mark.db

OLD_DECLARED = {m.name: 2 if m.name == "messages_per_conversation.histogram" else 1
                for m in MEASURES if isinstance(m, Hist | Cat)}
"""What the sampler declared before user-level bounding (event-level, one counted row)."""


@pytest.fixture(scope="module")
def world_schema(pg_dsn: str) -> Iterator[str]:
    name = f"nb_{uuid.uuid4().hex[:10]}"
    neighbours.create(pg_dsn, name)
    yield name
    pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {quote_ident(name)} CASCADE")


def _measure(dsn: str, sql: str, measures: list[Any]) -> dict[str, RawCounts]:
    conn = connect(dsn, read_only=True)
    try:
        raw = split_rows(measures, execute(conn, sql))
    finally:
        conn.close()
    return {k: v for k, v in raw.items() if isinstance(v, RawCounts)}


def _l1(a: list[int], b: list[int]) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def _changes(before: dict[str, RawCounts], after: dict[str, RawCounts]) -> dict[str, int]:
    """Per release, the larger L1 change of its count and entity vectors."""
    return {n: max(_l1(before[n].counts, after[n].counts),
                   _l1(before[n].entities, after[n].entities)) for n in before}


def _releases(dsn: str, schema: str) -> dict[str, RawCounts]:
    return _measure(dsn, releases_sql(schema, 30), [r.measure for r in RELEASES])


def _old(dsn: str, schema: str) -> dict[str, RawCounts]:
    old = [m for m in MEASURES if isinstance(m, Hist | Cat)]
    return _measure(dsn, measures_sql(old, with_clause(schema, 30)), old)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(world=neighbours.worlds(), data=st.data())
def test_every_release_moves_at_most_its_sensitivity(pg_dsn: str, world_schema: str,
                                                     world: World, data: st.DataObject) -> None:
    user = data.draw(st.integers(0, len(world.users) - 1), label="removed user")
    neighbours.load(pg_dsn, world_schema, world)
    before = _releases(pg_dsn, world_schema)
    neighbours.remove_user(pg_dsn, world_schema, user)
    after = _releases(pg_dsn, world_schema)
    changes = _changes(before, after)
    for r in RELEASES:  # steer the search toward the largest changes (a tight bound is rare)
        target(changes[r.measure.name] / r.sensitivity, label=r.measure.name)
    for r in RELEASES:
        assert changes[r.measure.name] <= r.sensitivity, (r.measure.name, changes)


def _heavy_user_world() -> World:
    """User 0 sends 3 of the 6 messages of one conversation (20 of 40 in all), is read by
    everyone, uploads many attachments and belongs to 18 conversations."""
    users = [(8, 2)] * 5
    memberships = [(0, c) for c in range(18)] + [(u, 0) for u in range(1, 5)]
    messages = [(0 if i % 2 else 1 + i % 4, 0 if i < 6 else i % 18, 100 + 37 * i, i % 3, 20 + i)
                for i in range(40)]
    reads = [(u, m, 5 + 60 * u) for m in range(40) for u in range(5)
             if u != messages[m][0]]
    attachments = [(0, m, m % 3) for m in range(0, 40, 2)] + [(1, 1, 0), (2, 1, 1)]
    return World(users, memberships, messages, reads, attachments)


def test_the_old_declarations_fail_the_same_harness(pg_dsn: str, world_schema: str) -> None:
    """Unbounded rows under one declared count: removing one user moves most histograms far
    more; even event-level, removing one message moves the gap histogram by 3."""
    world = _heavy_user_world()
    neighbours.load(pg_dsn, world_schema, world)
    before = _old(pg_dsn, world_schema)
    neighbours.remove_user(pg_dsn, world_schema, 0)
    changes = _changes(before, _old(pg_dsn, world_schema))
    violated = {n for n, c in changes.items() if c > OLD_DECLARED[n]}
    assert {"read_latency.histogram", "burstiness.gap_histogram", "content_length.histogram",
            "attachments_per_message.histogram", "attachment_type.mix",
            "activity.hour_of_week", "message_type.mix",
            "messages_per_conversation.histogram"} <= violated, changes
    # event level: the middle message of a conversation splits into two gaps
    neighbours.load(pg_dsn, world_schema, world)
    before = _old(pg_dsn, world_schema)
    neighbours.remove_message(pg_dsn, world_schema, 2)
    gap = _changes(before, _old(pg_dsn, world_schema))["burstiness.gap_histogram"]
    assert gap == 3 > OLD_DECLARED["burstiness.gap_histogram"]


def test_bounds_bind_on_the_heavy_user(pg_dsn: str, world_schema: str) -> None:
    """The same world through the bounded releases: within sensitivity, and the bounds bite
    (user 0 has 20 messages and 18 memberships; only the bounded numbers count)."""
    assert MESSAGES_PER_USER < 20
    assert MEMBERSHIPS_PER_USER < 18
    world = _heavy_user_world()
    neighbours.load(pg_dsn, world_schema, world)
    before = _releases(pg_dsn, world_schema)
    assert sum(before["message_type.mix"].counts) == MESSAGES_PER_USER + 20
    # 16 of user 0's 18 memberships count: 16 conversations, 17 if conversation 0 (which
    # four other users share) is one of the two left out
    assert sum(before["conversation_size.classes"].counts) in (16, 17)
    neighbours.remove_user(pg_dsn, world_schema, 0)
    changes = _changes(before, _releases(pg_dsn, world_schema))
    for r in RELEASES:
        assert changes[r.measure.name] <= r.sensitivity, (r.measure.name, changes)


def test_heavy_room_coverage_has_no_per_user_bound(pg_dsn: str, world_schema: str) -> None:
    """Why ``reads.heavy_room_member_coverage`` is withheld under ε (``bounded.UNBOUNDABLE``):
    removing one user moves its pairs by the heavy floor or more, far beyond any release's
    sensitivity. User 0 sends one message: without it the room falls below the floor and
    leaves both counts. User 3 only reads: the room's other members drop by one for each of
    its FLOOR messages."""
    floor = HEAVY_ROOM_MIN_MESSAGES
    world = neighbours.heavy_rooms_world(floor)
    largest = max(r.sensitivity for r in RELEASES)
    for user, pairs_lost, reads_lost in ((0, 3 * floor, 80), (3, floor, 50)):
        neighbours.load(pg_dsn, world_schema, world)
        reads, pairs, _ = neighbours.heavy_room_counts(pg_dsn, world_schema)
        neighbours.remove_user(pg_dsn, world_schema, user)
        reads_after, pairs_after, _ = neighbours.heavy_room_counts(pg_dsn, world_schema)
        assert (pairs - pairs_after, reads - reads_after) == (pairs_lost, reads_lost)
        assert pairs_lost > 100 * largest
    assert "reads.heavy_room_member_coverage" in UNBOUNDABLE
