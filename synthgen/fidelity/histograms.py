"""The measured histograms and series the report plots, recorded in ``fidelity.json``.

They are measured over the same views of exactly the manifest's files as the metrics, mostly
on the way (the message scan, the integrity pass over message_reads, the small prepared
tables), so the report draws what the gate judged and never reads the data itself. Only
bucketed counts are kept: the section stays a few kilobytes whatever the band. Its format is
documented in ``synthgen.fidelity.report``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from synthgen.metrics import CONTENT_LENGTH_EDGES, MESSAGES_PER_CONVERSATION_EDGES, SIZE_CLASSES
from synthgen.predict import ATTACHMENT_KINDS, attachment_type
from synthgen.schema import ENUMS

if TYPE_CHECKING:
    import duckdb

LATENCY_GRID_S: tuple[float, ...] = (1, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 7_200, 21_600,
                                     43_200, 86_400, 172_800, 604_800, 2_592_000)
"""Points (seconds) at which the read-latency CDF is measured (and the report draws it)."""
CCDF_POINTS = 200
"""At most this many points of the messages-per-conversation CCDF are kept."""
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Rows of the hour-of-week grid (ISO weekday order)."""
HOURS_PER_DAY = 24

Plots = dict[str, Any]
"""The ``distributions`` section of fidelity.json, filled in by the measuring functions."""


def latency_grid_aggregates(latency_sql: str) -> dict[str, str]:
    """Integrity-pass aggregates counting reads faster than each grid point.

    >>> latency_grid_aggregates("lat")["within_1s"]
    'count(*) FILTER (WHERE lat < 1)'
    """
    return {f"within_{x:g}s": f"count(*) FILTER (WHERE {latency_sql} < {x:g})"
            for x in LATENCY_GRID_S}


def record_read_latency(plots: Plots, reads: dict[str, int] | None) -> None:
    """The read-latency CDF counts from the message_reads pass (None: no reads table)."""
    plots["read_latency"] = None if reads is None else {
        "seconds": list(LATENCY_GRID_S), "n": reads["reads"],
        "within": [reads[f"within_{x:g}s"] for x in LATENCY_GRID_S]}


def record_conversations(con: duckdb.DuckDBPyConnection, plots: Plots) -> None:
    """Size classes (over conversations with members) and messages per conversation."""
    import numpy as np

    classes = ", ".join(f"count(*) FILTER (WHERE members >= {lo} AND members < {hi})"
                        for lo, hi in SIZE_CLASSES.values())
    row = con.execute(f"SELECT count(*) FILTER (WHERE members > 0), {classes} "
                      "FROM conv_size").fetchone()
    assert row is not None
    plots["conversation_sizes"] = {"classes": list(SIZE_CLASSES), "conversations": int(row[0]),
                                   "counts": [int(v) for v in row[1:]]}
    rows = con.execute("SELECT n, count(*) FROM conv_size GROUP BY 1 ORDER BY 1").fetchall()
    values = np.array([int(r[0]) for r in rows], dtype=np.int64)
    freq = np.array([int(r[1]) for r in rows], dtype=np.int64)
    total = int(freq.sum()) or 1
    # CCDF: P(N >= n) at each distinct n; thinned to log-spaced points for the plot
    at_least = (total - np.concatenate(([0], np.cumsum(freq)[:-1]))) / total
    keep = values > 0
    xs, ys = values[keep], at_least[keep]
    if xs.size > CCDF_POINTS:
        idx = np.unique(np.searchsorted(xs, np.geomspace(xs[0], xs[-1], CCDF_POINTS)))
        idx = np.unique(np.concatenate((idx[idx < xs.size], [xs.size - 1])))
        xs, ys = xs[idx], ys[idx]
    edges = MESSAGES_PER_CONVERSATION_EDGES
    hist = [int(freq[(values >= lo) & (values < hi)].sum())
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    plots["messages_per_conversation"] = {
        "ccdf": [[int(x), float(y)] for x, y in zip(xs, ys, strict=True)],
        "edges": list(edges), "histogram": hist, "conversations": total,
        "empty": int(freq[values == 0].sum())}


def record_messages(con: duckdb.DuckDBPyConnection, plots: Plots,
                    per_day_hour: list[tuple[dt.date, int, int]]) -> None:
    """Message types, and the hour-of-week grid from the (day, hour, messages) counts."""
    grid = [[0] * HOURS_PER_DAY for _ in DAYS]
    for day, hour, count in per_day_hour:
        grid[day.isoweekday() - 1][hour] += count
    plots["hour_of_week"] = {"days": list(DAYS), "counts": grid}
    counts = dict(con.execute("SELECT type, count(*) FROM msg GROUP BY 1").fetchall())
    types = ENUMS["MessageType"]
    plots["message_types"] = {"types": list(types),
                              "counts": [int(counts.get(t, 0)) for t in types]}


def record_attachment_types(plots: Plots, counts: dict[str, int]) -> None:
    """Attachments by type: the spec's kinds in spec order, then OTHER."""
    types = [*(attachment_type(k) for k in ATTACHMENT_KINDS), "OTHER"]
    plots["attachment_types"] = {"types": types, "counts": [int(counts.get(t, 0)) for t in types]}


def content_length_sql(chars: str, rows: str) -> str:
    """Aggregates over (length, ``rows`` messages) groups counting messages with content,
    then per content-length bucket.

    >>> content_length_sql("c", "k").startswith(
    ...     "coalesce(sum(k) FILTER (WHERE c IS NOT NULL), 0), coalesce(sum(k) FILTER (WHERE c >= 1")
    True
    """
    edges = CONTENT_LENGTH_EDGES
    return f"coalesce(sum({rows}) FILTER (WHERE {chars} IS NOT NULL), 0), " + ", ".join(
        f"coalesce(sum({rows}) FILTER (WHERE {chars} >= {lo:g} AND {chars} < {hi:g}), 0)"
        for lo, hi in zip(edges[:-1], edges[1:], strict=True))


def record_content_length(plots: Plots, values: tuple[Any, ...]) -> None:
    """The content-length histogram from the values of ``content_length_sql``."""
    plots["content_length"] = {"edges": list(CONTENT_LENGTH_EDGES), "n": int(values[0]),
                               "counts": [int(v) for v in values[1:]]}
