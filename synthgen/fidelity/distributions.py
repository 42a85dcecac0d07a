"""The achieved value of every shape metric, by DuckDB queries over the whole dataset.

Metric names and bucket edges are the shared ones of ``synthgen.metrics``. Conversation
metrics come from the small per-conversation tables of ``prepare``; content, media and time
from one read of the messages table; reads join the in-memory ``msg`` table. The same reads
record the histograms the report plots (``histograms``), so the plots show what was judged.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from synthgen.fidelity import columns, histograms, reads
from synthgen.fidelity.histograms import Plots
from synthgen.fidelity.inputs import DatasetInputs, require
from synthgen.metrics import BURSTINESS_MIN_MESSAGES, LATENCY_EDGES_S, SIZE_CLASSES
from synthgen.predict import ATTACHMENT_KINDS, attachment_type

if TYPE_CHECKING:
    import duckdb

    from synthgen.spec_model import Spec

ATTACHMENT_SIZE_BYTES_PER_KB = 1024
"""attachments.size is in bytes; the spec states sizes in KB (KiB)."""

Measured = dict[str, tuple[float, int]]
"""metric -> (achieved value, number of observations behind it)."""


def _conversation_metrics(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs,
                          out: Measured) -> None:
    floor = inputs.spec.messages.heavy_rooms.min_messages
    classes = ", ".join(f"count(*) FILTER (WHERE members >= {lo} AND members < {hi})"
                        for lo, hi in SIZE_CLASSES.values())
    row = con.execute(f"""
        SELECT count(*), {classes},
               quantile_cont(n, [0.5, 0.95, 0.99]),
               count(*) FILTER (WHERE n >= {floor}), sum(n) FILTER (WHERE n >= {floor}), sum(n)
        FROM conv_size""").fetchone()
    assert row is not None
    total = int(row[0])
    for i, name in enumerate(SIZE_CLASSES):
        out[f"conversation_size.{name}_share"] = (row[1 + i] / total if total else math.nan,
                                                  total)
    k = 1 + len(SIZE_CLASSES)
    quantiles, heavy, heavy_msgs, msgs = row[k], int(row[k + 1]), row[k + 2] or 0, row[k + 3] or 0
    for q, name in zip(quantiles or [math.nan] * 3, ("p50", "p95", "p99"), strict=True):
        out[f"messages_per_conversation.{name}"] = (float(q), total)
    out["heavy_rooms.count"] = (float(heavy), total)
    out["heavy_rooms.traffic_share"] = (heavy_msgs / msgs if msgs else math.nan, int(msgs))


def _burstiness(con: duckdb.DuckDBPyConnection, out: Measured) -> None:
    """Median per-conversation CV of gaps (population sd / mean), over busy conversations.

    Pooling gaps across conversations would measure their rate differences, not bursts.
    """
    row = con.execute(f"""
        SELECT median(sqrt(greatest(gap_ms2::DOUBLE / gaps - (gap_ms::DOUBLE / gaps) ** 2, 0))
                      / (gap_ms::DOUBLE / gaps)),
               count(*)
        FROM conv_stats WHERE n >= {BURSTINESS_MIN_MESSAGES} AND gap_ms > 0""").fetchone()
    assert row is not None
    cv = float(row[0]) if row[0] is not None else math.nan
    out["burstiness.interarrival_cv"] = (cv, int(row[1]))
    out["burstiness.goh_barabasi"] = ((cv - 1) / (cv + 1), int(row[1]))


def _message_metrics(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs,
                     out: Measured, plots: Plots) -> None:
    # "Messages with content": non-empty text (a media message without caption has none).
    # Everything here, and the plot's content-length histogram, comes from content_len.
    row = con.execute(f"""
        SELECT coalesce(sum(k), 0), coalesce(sum(k) FILTER (WHERE media), 0),
               coalesce(sum(k) FILTER (WHERE chars > 0), 0),
               sum(chars * k) FILTER (WHERE chars > 0) / sum(k) FILTER (WHERE chars > 0),
               {histograms.content_length_sql("chars", "k")}
        FROM content_len""").fetchone()
    assert row is not None
    histograms.record_content_length(plots, row[4:])
    lengths = con.execute("SELECT chars, sum(k) FROM content_len WHERE chars > 0 "
                          "GROUP BY chars ORDER BY chars").fetchall()
    n, media, with_content = int(row[0]), int(row[1]), int(row[2])
    out["media.ratio"] = (media / n if n else math.nan, n)
    out["content_length.mean"] = (float(row[3]) if row[3] is not None else math.nan, with_content)
    out["content_length.median"] = (grouped_median([int(r[0]) for r in lengths],
                                                   [int(r[1]) for r in lengths]), with_content)
    per_hour = [0] * 24
    days: dict[dt.date, int] = {}
    per_day_hour = con.execute(
        "SELECT created::DATE, hour(created), count(*) FROM msg GROUP BY ALL").fetchall()
    for day, hour, count in per_day_hour:
        per_hour[hour] += count
        days[day] = days.get(day, 0) + count
    histograms.record_messages(con, plots, per_day_hour)
    out["time.hourly_peak_to_trough"] = (max(per_hour) / min(per_hour) if min(per_hour) else
                                         math.inf if n else math.nan, n)
    out["time.weekday_to_weekend"] = (weekday_to_weekend(days, inputs.band.window_start,
                                                         inputs.band.window_end), n)


def grouped_median(values: list[int], counts: list[int]) -> float:
    """The median of observations given as ascending distinct values and their counts, as
    DuckDB's ``median`` computes it over the rows (the mean of the two middle ones when even).

    >>> grouped_median([1, 2, 10], [1, 1, 1]), grouped_median([1, 3], [2, 2]), grouped_median([], [])
    (2.0, 2.0, nan)
    """
    n = sum(counts)
    if n == 0:
        return math.nan
    lo_rank, hi_rank = (n - 1) // 2, n // 2
    seen, lo = 0, None
    for v, c in zip(values, counts, strict=True):
        if lo is None and seen + c > lo_rank:
            lo = v
        if seen + c > hi_rank:
            return (float(lo) + v) / 2 if lo is not None else float(v)
        seen += c
    raise AssertionError("unreachable: the counts sum to n")


def weekday_to_weekend(per_day: dict[dt.date, int], start: dt.datetime,
                       end: dt.datetime) -> float:
    """Mean messages per weekday / per weekend day, over the days the window covers.

    A day the window covers only in part counts as that fraction of a day.

    >>> d = dt.datetime(2026, 10, 5)  # a Monday
    >>> counts = {(d + dt.timedelta(days=i)).date(): 14 if i < 5 else 10 for i in range(7)}
    >>> weekday_to_weekend(counts, d, d + dt.timedelta(days=7))
    1.4
    """
    weight = {True: 0.0, False: 0.0}
    msgs = {True: 0, False: 0}
    day = dt.datetime(start.year, start.month, start.day)
    while day < end:
        nxt = day + dt.timedelta(days=1)
        covered = (min(nxt, end) - max(day, start)) / dt.timedelta(days=1)
        weekend = day.weekday() >= 5
        weight[weekend] += covered
        msgs[weekend] += per_day.get(day.date(), 0)
        day = nxt
    if not weight[True] or not weight[False] or not msgs[True]:
        return math.nan
    return (msgs[False] / weight[False]) / (msgs[True] / weight[True])


def _attachment_metrics(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs, out: Measured,
                        plots: Plots) -> None:
    rows = con.execute(f"""
        SELECT type, count(*), median(size / {ATTACHMENT_SIZE_BYTES_PER_KB}.0)
        FROM attachments GROUP BY ALL""").fetchall()
    total = sum(int(r[1]) for r in rows)
    by_type = {r[0]: (int(r[1]), float(r[2])) for r in rows}
    histograms.record_attachment_types(plots, {t: c for t, (c, _) in by_type.items()})
    for kind in ATTACHMENT_KINDS:
        count, median = by_type.get(attachment_type(kind), (0, math.nan))
        out[f"attachment_type.{kind}_share"] = (count / total if total else math.nan, total)
        out[f"attachment_size_kb.{kind}_median"] = (median, count)
    _attachment_size_grid(con, inputs, plots)


SIZE_GRID = 256
"""Log-spaced points between each kind's min and max size at which the size CDF is counted."""


def _attachment_size_grid(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs,
                          plots: Plots) -> None:
    """Per kind, how many attachments lie below each of SIZE_GRID log-spaced sizes between
    the spec's min and max (one grouped pass). Handed over in ``plots["attachment_sizes"]``
    for the KS distance, which takes it out again: it is not a plot of the report."""
    sk = inputs.spec.media.size_kb
    kinds = {attachment_type(k): getattr(sk, k) for k in ATTACHMENT_KINDS}
    values = ", ".join(f"('{t}', {float(d.min)!r}, {float(d.max)!r})" for t, d in kinds.items())
    rows = con.execute(f"""
        SELECT a.type, least({SIZE_GRID}, greatest(0, floor({SIZE_GRID}
                   * ln((a.size / {ATTACHMENT_SIZE_BYTES_PER_KB}.0) / k.lo) / ln(k.hi / k.lo))
               ))::INTEGER AS b, count(*)
        FROM attachments AS a JOIN (VALUES {values}) AS k(type, lo, hi) ON a.type = k.type
        GROUP BY ALL""").fetchall()
    grid: dict[str, dict[str, list[float] | list[int] | int]] = {}
    for t, d in kinds.items():
        per = [0] * (SIZE_GRID + 1)
        for typ, b, c in rows:
            if typ == t:
                per[int(b)] += int(c)
        below, seen = [], 0
        for j in range(1, SIZE_GRID + 1):
            seen += per[j - 1]
            below.append(seen)
        edges = [d.min * (d.max / d.min) ** (j / SIZE_GRID) for j in range(1, SIZE_GRID + 1)]
        grid[t] = {"edges_kb": edges, "below": below, "n": sum(per)}
    plots["attachment_sizes"] = grid


_LATENCY = '(epoch_ms(t."readAt") - epoch_ms(m.created)) / 1000.0'
PASS_AGGREGATES: dict[str, dict[str, str]] = {
    "message_reads": {
        "reads": "count(*) FILTER (WHERE m.id IS NOT NULL)",
        # Shared bucket edges: [0, 30 s), [0, 1 h), [6 h, inf).
        "immediate": f"count(*) FILTER (WHERE {_LATENCY} < {LATENCY_EDGES_S[1]})",
        "within_1h": f"count(*) FILTER (WHERE {_LATENCY} < {LATENCY_EDGES_S[3]})",
        "over_6h": f"count(*) FILTER (WHERE {_LATENCY} >= {LATENCY_EDGES_S[4]})",
        # The plot's CDF points.
        **histograms.latency_grid_aggregates(_LATENCY)},
    "message_receipts": {
        "delivered": "count(*) FILTER (WHERE t.state = 'DELIVERED')",
        "read": "count(*) FILTER (WHERE t.state = 'READ')"},
    "messages": columns.PASS_AGGREGATES,
}
"""Aggregates the integrity pass over a table computes on the way (alias t = the table, m =
its message): the read metrics need the same join to the messages, so it is made once."""


def pass_aggregates(spec: Spec) -> dict[str, dict[str, str]]:
    """Every aggregate the integrity passes compute for the metrics, by table: PASS_AGGREGATES
    and the read fan-out's heavy-room reads at the spec's floor (``reads.pass_aggregates``)."""
    out = {table: dict(aggs) for table, aggs in PASS_AGGREGATES.items()}
    out["message_reads"] |= reads.pass_aggregates(spec.messages.heavy_rooms.min_messages)
    return out


def _read_metrics(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs,
                  passes: dict[str, dict[str, int]], out: Measured, plots: Plots) -> None:
    max_recipients = inputs.spec.reads.max_recipients
    row = con.execute(f"""
        SELECT sum(n * least({max_recipients}, members - 1)) FROM conv_size
        WHERE members >= 2""").fetchone()
    pairs = int(row[0] or 0) if row else 0

    def rate(count: int) -> tuple[float, int]:
        return (count / pairs if pairs else math.nan, pairs)

    receipts, reads = passes.get("message_receipts"), passes.get("message_reads")
    histograms.record_read_latency(plots, reads)
    if receipts is not None:
        out["reads.delivery_rate"] = rate(receipts["delivered"])
    if reads is not None:
        n = reads["reads"]
        out["reads.read_rate"] = rate(n)
        for name in ("immediate", "within_1h", "over_6h"):
            out[f"read_latency.{name}_share"] = (reads[name] / n if n else math.nan, n)
    elif receipts is not None:
        out["reads.read_rate"] = rate(receipts["read"])


def measure(con: duckdb.DuckDBPyConnection, inputs: DatasetInputs, prepared: bool,
            passes: dict[str, dict[str, int]], plots: Plots | None = None) -> Measured:
    """Every metric the dataset's tables allow (a table switched off leaves its metrics out).

    ``passes`` holds the PASS_AGGREGATES values the integrity pass computed, by table. The
    histograms the report plots are recorded in ``plots`` on the way (left empty when the
    tables the metrics need are missing).
    """
    out: Measured = {}
    plots = {} if plots is None else plots
    if prepared:
        _conversation_metrics(con, inputs, out)
        histograms.record_conversations(con, plots)
        _burstiness(con, out)
        _read_metrics(con, inputs, passes, out, plots)
        _message_metrics(con, inputs, out, plots)
    if require(con, "attachments"):
        _attachment_metrics(con, inputs, out, plots)
    if not prepared:
        plots.clear()  # without the conversation tables there is nothing to plot
    return out
