"""Per-member read coverage in heavy rooms: measured exactly, k-suppressed, withheld under ε
(no per-user bound exists: ``test_neighbouring.py`` shows one user's removal moving its
counts by the heavy floor or more). The world is ``neighbours.heavy_rooms_world``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthgen.pg.connect import connect, execute
from synthgen.pg.sql import quote_ident
from synthgen.sample import sample
from synthgen.sample.bounded import UNBOUNDABLE
from synthgen.sample.measures import MEASURES
from synthgen.sample.privacy import publish_scalar
from synthgen.sample.queries import RawScalar, measures_sql, split_rows
from synthgen.sample.sources import HEAVY_ROOM_MIN_MESSAGES, with_clause
from tests.fixtures.db import pg_exec
from tests.sample import neighbours

pytestmark = pytest.mark.db

NAME = "reads.heavy_room_member_coverage"
FLOOR = HEAVY_ROOM_MIN_MESSAGES


EXPECTED_READS, EXPECTED_PAIRS = 50 + 30 + 40, FLOOR * 3 + FLOOR * 2


@pytest.fixture(scope="module")
def world_schema(pg_dsn: str) -> Iterator[str]:
    name = f"hc_{uuid.uuid4().hex[:10]}"
    neighbours.create(pg_dsn, name)
    neighbours.load(pg_dsn, name, neighbours.heavy_rooms_world(FLOOR))
    yield name
    pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {quote_ident(name)} CASCADE")


def _raw(dsn: str, schema: str) -> RawScalar:
    (m,) = [m for m in MEASURES if m.name == NAME]
    conn = connect(dsn, read_only=True)
    try:
        raw = split_rows([m], execute(conn, measures_sql([m], with_clause(schema, 30))))[NAME]
    finally:
        conn.close()
    assert isinstance(raw, RawScalar)
    return raw


def test_the_measure_is_reads_by_members_over_pairs(pg_dsn: str, world_schema: str) -> None:
    raw = _raw(pg_dsn, world_schema)
    assert raw.value == pytest.approx(EXPECTED_READS / EXPECTED_PAIRS)
    assert raw.entities == 2  # two heavy rooms, three readers: the fewer
    assert neighbours.heavy_room_counts(pg_dsn, world_schema) == (EXPECTED_READS, EXPECTED_PAIRS, 2)


def test_k_suppression_needs_k_rooms_and_k_readers(pg_dsn: str, world_schema: str) -> None:
    raw = _raw(pg_dsn, world_schema)
    assert publish_scalar(NAME, raw, 2) == pytest.approx(0.0024)
    assert publish_scalar(NAME, raw, 3) is None
    assert publish_scalar(NAME, RawScalar(0.0, 1), 2) is None  # rooms but nobody read: hidden
    assert publish_scalar(NAME, RawScalar(None, 0), 2) is None  # no heavy room: undefined


def test_export_carries_it_and_epsilon_withholds_it_by_name(pg_dsn: str, world_schema: str,
                                                            tmp_path: Path) -> None:
    exact = sample(pg_dsn, world_schema, 30, 2, None, tmp_path / "exact.json")
    assert json.loads(Path(exact["out"]).read_text())["metrics"][NAME] == pytest.approx(0.0024)
    assert NAME not in exact["withheld"]
    noisy = sample(pg_dsn, world_schema, 30, 2, 1.0, tmp_path / "dp.json")
    assert json.loads(Path(noisy["out"]).read_text())["metrics"][NAME] is None
    assert NAME in noisy["withheld"]
    manifest = json.loads(Path(noisy["manifest"]).read_text())
    assert manifest["differential_privacy"]["unboundable"] == UNBOUNDABLE
    assert NAME not in {r["release"] for r in manifest["differential_privacy"]["releases"]}
