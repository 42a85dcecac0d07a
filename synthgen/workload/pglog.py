"""pgbench's per-transaction logs (``-l``): parse, merge across drivers, percentiles per type.

One line per transaction (PostgreSQL 15+)::

    client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]

``time`` is the latency in microseconds — with ``--rate`` measured from the *scheduled*
start, so queueing behind a slow server is counted (no coordinated omission) — or a word
(``failed``, ``skipped``, ``serialization``, ``deadlock``) for a transaction that did not
complete; ``time_epoch``/``time_us`` is when it ended; ``schedule_lag`` (µs, only with
``--rate``) is how late it started. Percentiles use the nearest-rank rule (the smallest
latency with at least p% of transactions at or below it), never averages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

PERCENTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True, slots=True)
class TxLog:
    """The transactions of one or more logs, as columns (one entry per transaction)."""

    client: npt.NDArray[np.int64]
    script: npt.NDArray[np.int64]
    latency_us: npt.NDArray[np.float64]
    """NaN for a transaction that failed or was skipped."""
    end_us: npt.NDArray[np.int64]
    """Epoch microseconds at which the transaction ended."""
    lag_us: npt.NDArray[np.float64]
    """Schedule lag (``--rate`` only; NaN otherwise)."""

    def __len__(self) -> int:
        return int(self.client.size)


def _empty() -> TxLog:
    return TxLog(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64),
                 np.zeros(0, np.int64), np.zeros(0, np.float64))


def parse_text(text: str) -> TxLog:
    """Parse the text of one pgbench log (any number of lines; blank lines ignored).

    >>> log = parse_text("0 0 1500 2 1700000000 250\\n1 0 failed 0 1700000001 0\\n")
    >>> log.latency_us.tolist(), log.script.tolist(), log.end_us.tolist()
    ([1500.0, nan], [2, 0], [1700000000000250, 1700000001000000])
    """
    import polars as pl

    body = "\n".join(ln for ln in text.splitlines() if ln.strip())
    if not body:
        return _empty()
    # every column read as text: ``time`` may be a word; columns parsed below, vectorised
    df = pl.read_csv(body.encode(), separator=" ", has_header=False, infer_schema=False,
                     truncate_ragged_lines=True)
    if df.width < 6 or df.select(pl.col(df.columns[5]).is_null().any()).item():
        raise ValueError(f"not a pgbench per-transaction log line: {body.splitlines()[0]!r}")
    c = df.columns
    ints = df.select([pl.col(c[i]).cast(pl.Int64, strict=False).alias(str(i))
                      for i in (0, 3, 4, 5)])
    if any(ints[str(i)].null_count() for i in (0, 3, 4, 5)):
        raise ValueError(f"not a pgbench per-transaction log line: {body.splitlines()[0]!r}")
    latency = df[c[2]].cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()
    end = ints["4"].to_numpy() * 1_000_000 + ints["5"].to_numpy()
    lag = (df[c[6]].cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()
           if df.width >= 7 else np.full(df.height, np.nan))
    return TxLog(ints["0"].to_numpy().astype(np.int64), ints["3"].to_numpy().astype(np.int64),
                 latency.astype(np.float64), end.astype(np.int64), lag.astype(np.float64))


def read_logs(paths: Sequence[Path], *, with_lag: bool) -> TxLog:
    """All transactions of the log files of one pgbench run (one file per thread)."""
    parts = [parse_text(p.read_text()) for p in paths]
    log = concat(parts)
    if not with_lag:  # a trailing ``retries`` column is not a lag
        log = TxLog(log.client, log.script, log.latency_us, log.end_us,
                    np.full(len(log), np.nan))
    return log


def concat(parts: Sequence[TxLog], client_offsets: Sequence[int] | None = None) -> TxLog:
    """One log from several, sorted by end time; ``client_offsets`` keep client ids apart."""
    if not parts:
        return _empty()
    offsets = client_offsets or [0] * len(parts)
    client = np.concatenate([p.client + off for p, off in zip(parts, offsets, strict=True)])
    end = np.concatenate([p.end_us for p in parts])
    order = np.argsort(end, kind="stable")
    return TxLog(client[order], np.concatenate([p.script for p in parts])[order],
                 np.concatenate([p.latency_us for p in parts])[order], end[order],
                 np.concatenate([p.lag_us for p in parts])[order])


def merge_drivers(logs: Sequence[TxLog]) -> tuple[TxLog, float]:
    """Merge the logs of several drivers run at once against one server.

    Client ids are renumbered per driver (driver i's clients follow driver i-1's); only the
    window in which every driver was running counts (from the latest first start to the
    earliest last end), so a driver that started late does not dilute throughput. Returns
    the merged log restricted to that window and the window's length in seconds.
    """
    live = [lg for lg in logs if len(lg)]
    if not live:
        return _empty(), 0.0
    offsets = np.cumsum([0] + [int(lg.client.max()) + 1 for lg in live[:-1]]).tolist()
    starts = [int(np.min(lg.end_us - np.nan_to_num(lg.latency_us).astype(np.int64))) for lg in live]
    lo, hi = max(starts), min(int(lg.end_us.max()) for lg in live)
    merged = concat(live, offsets)
    keep = (merged.end_us > lo) & (merged.end_us <= hi)
    window = TxLog(merged.client[keep], merged.script[keep], merged.latency_us[keep],
                   merged.end_us[keep], merged.lag_us[keep])
    return window, max(hi - lo, 0) / 1e6


def nearest_rank(values: npt.NDArray[np.float64], pct: float) -> float | None:
    """The nearest-rank percentile: the ceil(p/100·n)-th smallest value (None when empty).

    >>> nearest_rank(np.array([15.0, 20, 35, 40, 50]), 30), nearest_rank(np.array([3.0]), 99)
    (20.0, 3.0)
    """
    n = int(values.size)
    if n == 0:
        return None
    rank = max(1, math.ceil(pct / 100.0 * n))
    return float(np.partition(values, rank - 1)[rank - 1])


def summarize(log: TxLog, names: Sequence[str], seconds: float) -> dict[str, Any]:
    """Throughput and latency percentiles (ms) per transaction type and for all of them."""
    done = ~np.isnan(log.latency_us)
    per: dict[str, Any] = {}
    for i, name in enumerate(names):
        mine = log.script == i
        per[name] = _figures(log.latency_us[mine & done], log.lag_us[mine & done],
                             int(np.sum(mine & ~done)), seconds)
    total = _figures(log.latency_us[done], log.lag_us[done], int(np.sum(~done)), seconds)
    return {"seconds": seconds, "all": total, "per_type": per}


def _figures(lat_us: npt.NDArray[np.float64], lag_us: npt.NDArray[np.float64], failed: int,
             seconds: float) -> dict[str, Any]:
    ms = lat_us / 1000.0
    out: dict[str, Any] = {"transactions": int(ms.size), "failed": failed,
                           "tps": round(ms.size / seconds, 3) if seconds > 0 else None}
    for p in PERCENTILES:
        v = nearest_rank(ms, p)
        out[f"p{p:g}_ms"] = None if v is None else round(v, 4)
    lag = lag_us[~np.isnan(lag_us)] / 1000.0
    if lag.size:
        for p in (50.0, 99.0):
            v = nearest_rank(lag, p)
            out[f"lag_p{p:g}_ms"] = None if v is None else round(v, 4)
    return out


def merge_dirs(dirs: Sequence[Path], names: Sequence[str], *, with_lag: bool) -> dict[str, Any]:
    """Summary of one step driven from several machines: each dir holds one driver's ``tx.*``.

    Drivers whose directory holds no log are an error (ValueError): a silent gap would
    understate throughput.
    """
    logs = []
    for d in dirs:
        files = sorted(p for p in Path(d).glob("tx.*") if p.suffix != ".txt")
        if not files:
            raise ValueError(f"{d} holds no pgbench log (tx.*)")
        logs.append(read_logs(files, with_lag=with_lag))
    merged, seconds = merge_drivers(logs)
    return {"drivers": len(logs), **summarize(merged, names, seconds)}
