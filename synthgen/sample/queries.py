"""Aggregate SQL run inside PostgreSQL over a read-only connection.

Four kinds of measurement, each one statement whose result is a handful of numbers:
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
    sensitivity: int = 1
    """L1 change of the count vector when one counted row is added or removed (for DP)."""
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
    sensitivity: int = 1
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


def measure_sql(m: Measure, with_clause: str) -> str:
    """The one statement that measures ``m``."""
    if isinstance(m, Hist):
        return (f"{with_clause}SELECT width_bucket(({m.value})::float8, "
                f"ARRAY[{_floats(m.edges)}]::float8[])::int8 AS b, count(*)::int8, "
                f"count(DISTINCT {m.entity})::int8 FROM {m.source} GROUP BY 1")
    if isinstance(m, Cat):
        return (f"{with_clause}SELECT coalesce(array_position(ARRAY[{_labels(m.labels)}]::text[], "
                f"({m.value})::text), 0)::int8 AS b, count(*)::int8, "
                f"count(DISTINCT {m.entity})::int8 FROM {m.source} GROUP BY 1")
    if isinstance(m, Quant):
        cols = ", ".join(f"q[{i + 1}]" for i in range(len(m.probs)))
        return (f"{with_clause}SELECT {cols}, n, e, mean FROM (SELECT percentile_cont("
                f"ARRAY[{_floats(m.probs)}]::float8[]) WITHIN GROUP (ORDER BY ({m.value})::float8) "
                f"AS q, count(*)::int8 AS n, count(DISTINCT {m.entity})::int8 AS e, "
                f"avg(({m.value})::float8)::float8 AS mean FROM {m.source}) s")
    return f"{with_clause}SELECT r.v::float8, r.e::int8 FROM ({m.sql}) AS r(v, e)"


def _to_raw(m: Measure, rows: list[tuple[Any, ...]]) -> Raw:
    if isinstance(m, Hist | Cat):
        size = len(m.edges) if isinstance(m, Hist) else len(m.labels)
        counts, entities, outside = [0] * size, [0] * size, 0
        for b, n, e in rows:
            if b is None or int(b) == 0:
                outside += int(n)
            else:
                counts[int(b) - 1] += int(n)
                entities[int(b) - 1] += int(e)
        return RawCounts(counts, entities, outside)
    if isinstance(m, Quant):
        (row,) = rows
        k = len(m.probs)
        vals = [None if v is None else float(v) for v in row[:k]]
        return RawQuantiles(vals, int(row[k] or 0), int(row[k + 1] or 0),
                            None if row[k + 2] is None else float(row[k + 2]))
    (row,) = rows
    return RawScalar(None if row[0] is None else float(row[0]), int(row[1] or 0))


def run_measures(conn: Connection, measures: Sequence[Measure], with_clause: str) -> dict[str, Raw]:
    """Run every measurement; a failing statement names the measurement, never a value."""
    out: dict[str, Raw] = {}
    for m in measures:
        try:
            rows = execute(conn, measure_sql(m, with_clause))
        except Exception as e:
            raise EnvironmentProblem(f"sampling query {m.name} failed: {type(e).__name__}: "
                                     f"{first_line(e)[:_ERROR_CHARS]}") from None
        out[m.name] = _to_raw(m, rows)
    return out

