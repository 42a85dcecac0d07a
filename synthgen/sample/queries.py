"""Aggregate SQL run inside PostgreSQL over a read-only connection.

Four kinds of measurement, all in one statement whose result is a handful of numbers:
histograms on fixed public edges, categorical mixes over the app's enum labels (the labels
are matched inside SQL, the client only sees their positions), quantiles, and scalars. Every
bucket also reports how many distinct entities (users or conversations) it covers, so the
privacy layer can suppress small cells. No row, id or free text ever reaches the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthgen.errors import EnvironmentProblem
from synthgen.pg.connect import execute, first_line

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

_ERROR_CHARS = 200
"""A failing measurement's error is cut to this length: the server may quote what it read."""


@dataclass(frozen=True, slots=True)
class Hist:
    """Counts of ``value`` on fixed lower bounds ``edges`` (last bucket open-ended)."""

    name: str
    source: str
    value: str
    entity: str
    edges: tuple[float, ...]
    groups: tuple[int, ...] = ()
    """Group id per cell when another published metric reveals group totals (suppression then
    works inside each group, so no small cell can be derived by subtracting)."""


@dataclass(frozen=True, slots=True)
class Cat:
    """Counts of ``value`` over fixed enum labels (anything else counts as 'other')."""

    name: str
    source: str
    value: str
    entity: str
    labels: tuple[str, ...]
    groups: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Quant:
    """Quantiles (and the mean) of ``value``."""

    name: str
    source: str
    value: str
    entity: str
    probs: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Scalar:
    """One number and the count of distinct entities behind it: ``sql`` selects 2 columns."""

    name: str
    sql: str


Measure = Hist | Cat | Quant | Scalar


@dataclass(frozen=True, slots=True)
class RawCounts:
    """A histogram or mix as measured: counts and distinct entities per bucket."""

    counts: list[int]
    entities: list[int]
    outside: int
    """Rows below the first edge or with a label outside the enum (reported, never bucketed)."""


@dataclass(frozen=True, slots=True)
class RawQuantiles:
    """Quantile values (None when there are no rows), row count, entity count, mean."""

    values: list[float | None]
    rows: int
    entities: int
    mean: float | None


@dataclass(frozen=True, slots=True)
class RawScalar:
    """A scalar value (None when undefined) and its entity count."""

    value: float | None
    entities: int


Raw = RawCounts | RawQuantiles | RawScalar


def _floats(values: Sequence[float]) -> str:
    return ", ".join(repr(float(v)) for v in values)


def _labels(labels: Sequence[str]) -> str:
    for label in labels:
        if not label.replace("_", "").isalnum():  # labels are code constants; keep SQL inert
            raise ValueError(f"bad label {label!r}")
    return ", ".join(f"'{label}'" for label in labels)


def counts_sql(i: int, m: Hist | Cat) -> str:
    if isinstance(m, Hist):
        b = f"width_bucket(({m.value})::float8, ARRAY[{_floats(m.edges)}]::float8[])"
    else:
        b = f"coalesce(array_position(ARRAY[{_labels(m.labels)}]::text[], ({m.value})::text), 0)"
    return (f"SELECT {i}::int8, {b}::int8, NULL::float8, count(*)::float8, "
            f"count(DISTINCT {m.entity})::float8 FROM {m.source} GROUP BY 2")


def _measure_rows(i: int, m: Measure) -> str:
    """One branch of the union: rows ``(measure, slot, value, rows, entities)``."""
    if isinstance(m, Hist | Cat):
        return counts_sql(i, m)
    if isinstance(m, Quant):
        k = len(m.probs)
        return (f"SELECT {i}::int8, z.o::int8, z.v, s.n, s.e FROM (SELECT percentile_cont("
                f"ARRAY[{_floats(m.probs)}]::float8[]) WITHIN GROUP (ORDER BY ({m.value})::float8) "
                f"AS q, count(*)::float8 AS n, count(DISTINCT {m.entity})::float8 AS e, "
                f"avg(({m.value})::float8)::float8 AS mean FROM {m.source}) s, "
                f"unnest(coalesce(s.q, array_fill(NULL::float8, ARRAY[{k}])) || s.mean) "
                f"WITH ORDINALITY AS z(v, o)")
    return (f"SELECT {i}::int8, 0::int8, r.v::float8, NULL::float8, r.e::float8 "
            f"FROM ({m.sql}) AS r(v, e)")


def measures_sql(measures: Sequence[Measure], with_clause: str) -> str:
    """One statement measuring everything: each source CTE is read once (PostgreSQL
    materializes a CTE that several branches reference), so messages are scanned once."""
    return with_clause + "\nUNION ALL\n".join(
        f"({_measure_rows(i, m)})" for i, m in enumerate(measures))


def _to_raw(m: Measure, rows: list[tuple[Any, ...]]) -> Raw:
    """One measurement's rows ``(slot, value, rows, entities)`` as its raw aggregate."""
    if isinstance(m, Hist | Cat):
        size = len(m.edges) if isinstance(m, Hist) else len(m.labels)
        counts, entities, outside = [0] * size, [0] * size, 0
        for b, _, n, e in rows:
            if b is None or int(b) == 0:
                outside += int(n)
            else:
                counts[int(b) - 1] += int(n)
                entities[int(b) - 1] += int(e)
        return RawCounts(counts, entities, outside)
    if isinstance(m, Quant):
        by_slot = {int(o): (v, n, e) for o, v, n, e in rows}
        k = len(m.probs)
        vals = [None if by_slot.get(o + 1, (None,))[0] is None else float(by_slot[o + 1][0])
                for o in range(k)]
        _, n, e = by_slot.get(1, (None, 0, 0))
        mean = by_slot.get(k + 1, (None,))[0]
        return RawQuantiles(vals, int(n or 0), int(e or 0), None if mean is None else float(mean))
    (row,) = rows
    return RawScalar(None if row[1] is None else float(row[1]), int(row[3] or 0))


def split_rows(measures: Sequence[Measure], rows: list[tuple[Any, ...]]) -> dict[str, Raw]:
    """The rows of ``measures_sql`` as one raw aggregate per measurement."""
    per: list[list[tuple[Any, ...]]] = [[] for _ in measures]
    for row in rows:
        per[int(row[0])].append(tuple(row[1:]))
    return {m.name: _to_raw(m, r) for m, r in zip(measures, per, strict=True)}


@dataclass
class Session:
    """The sampler's statements on one read-only connection: counted, and buffers tallied.

    Everything runs in one read-only transaction so ``pg_stat_get_xact_blocks_*`` can report
    the blocks this session alone touched (a replica serves others at the same time).
    """

    conn: Connection
    statements: int = 0

    def run(self, what: str, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement; a failure names ``what``, never a value."""
        self.statements += 1
        try:
            return execute(self.conn, sql)
        except Exception as e:
            raise EnvironmentProblem(f"sampling query {what} failed: {type(e).__name__}: "
                                     f"{first_line(e)[:_ERROR_CHARS]}") from None

    def blocks(self, schema: str) -> tuple[int, int]:
        """(blocks fetched, of which found in shared buffers) for the schema, this transaction."""
        from synthgen.pg.sql import check_schema_name

        s = check_schema_name(schema)
        ((fetched, hit),) = self.run("buffers", (
            "SELECT coalesce(sum(pg_stat_get_xact_blocks_fetched(c.oid)), 0)::int8, "
            "coalesce(sum(pg_stat_get_xact_blocks_hit(c.oid)), 0)::int8 FROM pg_class c "
            f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{s}'"))
        return int(fetched), int(hit)


def run_measures(session: Session, measures: Sequence[Measure], with_clause: str
                 ) -> dict[str, Raw]:
    """Run every measurement in one statement."""
    return split_rows(measures, session.run("measures", measures_sql(measures, with_clause)))
