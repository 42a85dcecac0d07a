"""Plot data for the report: DuckDB over the whole dataset, spec curves beside what was achieved.

Histograms use the shared, data-independent edges of ``synthgen.metrics``; the spec side is
computed from the dataset's own resolved spec (``spec.json``), so a plot always compares the
data with what it was generated to look like.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from synthgen.dataset import read_manifest, table_glob
from synthgen.metrics import CONTENT_LENGTH_EDGES, MESSAGES_PER_CONVERSATION_EDGES, SIZE_CLASSES
from synthgen.spec_model import LogNormalClipped, Spec

LATENCY_GRID_S: tuple[float, ...] = (1, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 7_200, 21_600,
                                     43_200, 86_400, 172_800, 604_800, 2_592_000)
"""Points (seconds) at which the read-latency CDF is drawn."""
CCDF_POINTS = 200
"""At most this many points of the messages-per-conversation CCDF are kept."""
MESSAGE_TYPES = ("TEXT", "IMAGE", "FILE", "AUDIO", "VIDEO", "LOCATION", "SYSTEM")
ATTACHMENT_TYPES = ("IMAGE", "VIDEO", "DOCUMENT", "AUDIO", "OTHER")


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def lognormal_clipped_shares(d: LogNormalClipped, edges: tuple[float, ...]) -> list[float]:
    """P(edge_i <= X < edge_i+1) for X = exp(N(mu, sigma)) clipped to [min, max].

    >>> [round(s, 3) for s in lognormal_clipped_shares(LogNormalClipped(0, 1, 0.5, 5), (0, 1, 10))]
    [0.5, 0.5]
    """

    def cdf(x: float) -> float:  # P(clipped X < x)
        if x <= d.min:
            return 0.0
        if x > d.max:
            return 1.0
        return _phi((math.log(x) - d.mu) / d.sigma)

    return [cdf(hi) - cdf(lo) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]


def _connect(root: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in read_manifest(root).tables:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{table_glob(root, table)}')")
    return con


def _tables(con: Any) -> set[str]:
    return {str(r[0]) for r in con.execute("SELECT view_name FROM duckdb_views() "
                                           "WHERE NOT internal").fetchall()}


def _conversation_sizes(con: Any, spec: Spec) -> dict[str, Any]:
    cases = ", ".join(f"count(*) FILTER (WHERE m >= {lo} AND m < {hi})"
                      for lo, hi in SIZE_CLASSES.values())
    row = con.execute(f"""SELECT count(*), {cases} FROM (
        SELECT "conversationId", count(*) AS m FROM conversation_users GROUP BY 1)""").fetchone()
    total = int(row[0]) or 1
    mix = spec.conversations.size_mix
    return {"classes": list(SIZE_CLASSES),
            "spec": [mix.direct, mix.small_group, mix.large_group],
            "achieved": [int(v) / total for v in row[1:]]}


def _messages_per_conversation(con: Any) -> dict[str, Any]:
    import numpy as np

    rows = con.execute("""SELECT coalesce(n, 0) AS n, count(*) FROM conversations AS c
        LEFT JOIN (SELECT "conversationId", count(*) AS n FROM messages GROUP BY 1) AS m
        ON m."conversationId" = c.id GROUP BY 1 ORDER BY 1""").fetchall()
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
    return {"ccdf": [[int(x), float(y)] for x, y in zip(xs, ys, strict=True)],
            "edges": list(edges), "histogram": hist, "conversations": total,
            "empty": int(freq[values == 0].sum())}


def _content_length(con: Any, spec: Spec) -> dict[str, Any]:
    edges = CONTENT_LENGTH_EDGES
    cases = ", ".join(f"count(*) FILTER (WHERE l >= {lo} AND l < {hi})"
                      for lo, hi in zip(edges[:-1], edges[1:], strict=True))
    row = con.execute(f"SELECT count(*), {cases} FROM (SELECT length(content) AS l FROM messages "
                      "WHERE content IS NOT NULL)").fetchone()
    total = int(row[0]) or 1
    return {"edges": list(edges), "achieved": [int(v) / total for v in row[1:]],
            "spec": lognormal_clipped_shares(spec.content.length, edges), "n": int(row[0])}


def _hour_of_week(con: Any) -> dict[str, Any]:
    grid = [[0] * 24 for _ in range(7)]
    for dow, hour, n in con.execute("""SELECT isodow("createdAt"), hour("createdAt"), count(*)
                                       FROM messages GROUP BY ALL""").fetchall():
        grid[int(dow) - 1][int(hour)] = int(n)
    return {"days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "counts": grid}


def _read_latency(con: Any, spec: Spec) -> dict[str, Any] | None:
    from synthgen.fidelity.targets import latency_cdf

    if "message_reads" not in _tables(con):
        return None
    lat = "(epoch_ms(r.\"readAt\") - epoch_ms(m.\"createdAt\")) / 1000.0"
    cases = ", ".join(f"count(*) FILTER (WHERE {lat} < {x})" for x in LATENCY_GRID_S)
    row = con.execute(f"""SELECT count(*), {cases} FROM message_reads AS r
                          JOIN messages AS m ON m.id = r."messageId" """).fetchone()
    total = int(row[0]) or 1
    return {"seconds": list(LATENCY_GRID_S), "achieved": [int(v) / total for v in row[1:]],
            "spec": [latency_cdf(spec, x) for x in LATENCY_GRID_S], "n": int(row[0])}


def _media_mix(con: Any, spec: Spec) -> dict[str, Any]:
    counts = dict(con.execute("SELECT type, count(*) FROM messages GROUP BY 1").fetchall())
    total = sum(counts.values()) or 1
    out: dict[str, Any] = {
        "message_types": list(MESSAGE_TYPES),
        "message_achieved": [int(counts.get(t, 0)) / total for t in MESSAGE_TYPES],
        "media_ratio": {"spec": 1 - spec.media.attachments_per_message.none,
                        "achieved": 1 - int(counts.get("TEXT", 0)) / total}}
    if "attachments" in _tables(con):
        got = dict(con.execute("SELECT type, count(*) FROM attachments GROUP BY 1").fetchall())
        n = sum(got.values()) or 1
        mix = spec.media.type_mix
        out["attachment_types"] = list(ATTACHMENT_TYPES)
        out["attachment_achieved"] = [int(got.get(t, 0)) / n for t in ATTACHMENT_TYPES]
        out["attachment_spec"] = [mix.image, mix.video, mix.document, mix.audio, 0.0]
    return out


def collect(root: Path | str) -> dict[str, Any]:
    """Every plot's data for the dataset at ``root`` (whole dataset, no sampling)."""
    import json

    from synthgen.spec import spec_from_dict

    root = Path(root)
    spec = spec_from_dict(json.loads((root / "spec.json").read_text()))
    con = _connect(root)
    try:
        return {"conversation_sizes": _conversation_sizes(con, spec),
                "messages_per_conversation": _messages_per_conversation(con),
                "content_length": _content_length(con, spec),
                "hour_of_week": _hour_of_week(con),
                "read_latency": _read_latency(con, spec),
                "media_mix": _media_mix(con, spec)}
    finally:
        con.close()
