"""Sampling noise of the calendar ratios, by a bootstrap over conversations.

Hourly peak/trough and weekday/weekend ratios are measured over messages, but messages come
in bursts inside conversations, so their effective sample size is far below the message
count: a tiny band can miss 2.5 by 20% through luck alone. The gate widens those bands to
three bootstrap standard errors, resampling conversations (in 2,000 hash blocks, so the
cost does not grow with the band) with a fixed seed, so fidelity.json stays reproducible.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np

BLOCKS = 2_000
REPLICATES = 200


def _block_matrix(con: duckdb.DuckDBPyConnection, expr: str, width: int,
                  offset: int = 0) -> np.ndarray:
    rows = con.execute(f"""SELECT hash(cid) % {BLOCKS} AS blk, {expr} AS k,
                           count(*) FROM msg GROUP BY ALL""").fetchall()
    m = np.zeros((BLOCKS, width))
    if rows:
        a = np.array(rows, dtype=np.int64)
        keep = (a[:, 1] - offset >= 0) & (a[:, 1] - offset < width)
        np.add.at(m, (a[keep, 0], a[keep, 1] - offset), a[keep, 2])
    return m


def calendar_noise(con: duckdb.DuckDBPyConnection, start: dt.datetime,
                   end: dt.datetime) -> dict[str, float]:
    """Relative bootstrap standard errors of the two calendar ratios (metric -> sd / value)."""
    weights = np.random.default_rng(0).poisson(1.0, (REPLICATES, BLOCKS)).astype(np.float64)
    hours = weights @ _block_matrix(con, "hour(created)", 24)
    out: dict[str, float] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = hours.max(axis=1) / hours.min(axis=1)
        ratio = ratio[np.isfinite(ratio)]
        if len(ratio) > 1 and ratio.mean() > 0:
            out["time.hourly_peak_to_trough"] = float(ratio.std() / ratio.mean())

        first = dt.datetime(start.year, start.month, start.day)
        n_days = (end - first).days + 1
        epoch_day = (first - dt.datetime(1970, 1, 1)).days
        days = weights @ _block_matrix(con, "(epoch(created) // 86400)::BIGINT", n_days,
                                       epoch_day)
        cover = np.zeros(n_days)
        weekend = np.zeros(n_days, dtype=bool)
        for i in range(n_days):  # one step per calendar day of the window
            day = first + dt.timedelta(days=i)
            cover[i] = max(0.0, (min(day + dt.timedelta(days=1), end) - max(day, start))
                           / dt.timedelta(days=1))
            weekend[i] = day.weekday() >= 5
        wd = days[:, ~weekend].sum(axis=1) / cover[~weekend].sum()
        we = days[:, weekend].sum(axis=1) / cover[weekend].sum()
        ratio = wd / we
        ratio = ratio[np.isfinite(ratio)]
        if len(ratio) > 1 and ratio.mean() > 0:
            out["time.weekday_to_weekend"] = float(ratio.std() / ratio.mean())
    return out
