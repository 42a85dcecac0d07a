"""KS distances of the plan- and timeline-decided distributions against spec check's references.

Messages per conversation, memberships per user (conversations a user belongs to) and the
gaps between consecutive messages of a conversation have no closed form: spec check
(``synthgen.generate.reference``) resolves each as the pointwise median CDF of independent
plans and simulated timelines of the band, on a fixed log-spaced grid, with the KS noise
allowance their spread implies, and stores them in ``feasibility.json``. Here the dataset's
empirical CDF is counted at the same grid (one grouped query each: the first two over the
shared ``conv_size`` and ``mem`` tables, the gaps by their own window over ``msg``) and the
largest gap to the reference is judged against 0 with the spec's declared base (x
``--tolerance``) plus that allowance. A grid gives a lower bound of the full sup; the
allowance is measured on the same grid, so both sides see the same statistic.

A ``feasibility.json`` older than format 3 has no references: they are computed now from the
dataset's spec and band (the same seeds and code as spec check, so the same numbers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgen.bands import Band
from synthgen.errors import InputError
from synthgen.fidelity.check import DISTRIBUTION, Check
from synthgen.fidelity.inputs import require
from synthgen.fidelity.tolerance import severity
from synthgen.generate.reference import (
    INTERARRIVAL_GAP_KS,
    MEMBERSHIPS_PER_USER_KS,
    MESSAGES_PER_CONVERSATION_KS,
    cdf_below,
    edge_keys,
    ks_on_grid,
)
from synthgen.spec_model import Spec

if TYPE_CHECKING:
    import duckdb

BASES: dict[str, str] = {MESSAGES_PER_CONVERSATION_KS: "messages_per_conversation_ks",
                         MEMBERSHIPS_PER_USER_KS: "memberships_per_user_ks",
                         INTERARRIVAL_GAP_KS: "interarrival_gap_ks"}
"""Each distance's declared band: a field of the spec's ``tolerance`` section."""

WHAT: dict[str, str] = {MESSAGES_PER_CONVERSATION_KS: "messages per conversation",
                        MEMBERSHIPS_PER_USER_KS: "memberships per user",
                        INTERARRIVAL_GAP_KS: "gaps between consecutive messages of a "
                                             "conversation (ms)"}

def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def parse_references(raw: Any, where: str = "feasibility.json") -> dict[str, Any] | None:
    """The ``references`` section of a feasibility document, validated; None when absent.

    >>> parse_references({}) is None
    True
    """
    refs = raw.get("references") if isinstance(raw, dict) else None
    if refs is None:
        return None
    bad = InputError(f"{where}: references must hold cdfs ({', '.join(BASES)}: ascending edges, "
                     "a non-decreasing cdf in [0, 1] of the same length, allowance >= 0) and "
                     "recipients (shares >= 0); regenerate it with this synthgen version")
    cdfs = refs.get("cdfs") if isinstance(refs, dict) else None
    recipients = refs.get("recipients") if isinstance(refs, dict) else None
    if not isinstance(cdfs, dict) or not isinstance(recipients, list) or not recipients:
        raise bad
    if not all(_number(x) and x >= 0 for x in recipients):
        raise bad
    for metric in BASES:
        r = cdfs.get(metric)
        if not isinstance(r, dict):
            raise bad
        edges, cdf, allowance = r.get("edges"), r.get("cdf"), r.get("allowance")
        if not (isinstance(edges, list) and isinstance(cdf, list) and edges
                and len(edges) == len(cdf) and all(map(_number, edges + cdf))
                and isinstance(allowance, int | float) and _number(allowance)
                and allowance >= 0):
            raise bad
        e, c = np.asarray(edges, float), np.asarray(cdf, float)
        if (np.diff(e) <= 0).any() or (np.diff(c) < 0).any() or c.min() < 0 or c.max() > 1:
            raise bad
    return dict(refs)


def references_for(raw: Any, spec: Spec, band: Band,
                   where: str = "feasibility.json") -> tuple[dict[str, Any], str]:
    """(references, where they came from): the document's, or computed now when it predates
    them."""
    refs = parse_references(raw, where)
    if refs is not None:
        return refs, "spec check"
    from synthgen.generate.reference import references

    return references(spec, band).to_json(), "computed now (feasibility.json predates them)"


def _counts_cdf(rows: list[tuple[Any, Any]], edges: np.ndarray,
                zeros: int = 0) -> tuple[np.ndarray, int]:
    values = np.array([int(r[0]) for r in rows] + [0], dtype=np.int64)
    freq = np.array([int(r[1]) for r in rows] + [max(zeros, 0)], dtype=np.int64)
    return cdf_below(values, freq, edges), int(freq.sum())


def measured_cdfs(con: duckdb.DuckDBPyConnection,
                  refs: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, int]]:
    """The dataset's CDF (and its number of observations) on each reference's grid."""
    out: dict[str, tuple[np.ndarray, int]] = {}
    cdfs = refs["cdfs"]
    edges = np.asarray(cdfs[MESSAGES_PER_CONVERSATION_KS]["edges"], dtype=np.float64)
    out[MESSAGES_PER_CONVERSATION_KS] = _counts_cdf(
        con.execute("SELECT n, count(*) FROM conv_size GROUP BY n").fetchall(), edges)
    rows = con.execute("""SELECT k, count(*) FROM (SELECT uid, count(*) AS k FROM mem
                                                   GROUP BY uid) GROUP BY k""").fetchall()
    users = 0
    if require(con, "users"):  # users without a membership are the CDF's zeros
        row = con.execute("SELECT count(*) FROM users").fetchone()
        users = int(row[0]) if row else 0
    edges = np.asarray(cdfs[MEMBERSHIPS_PER_USER_KS]["edges"], dtype=np.float64)
    out[MEMBERSHIPS_PER_USER_KS] = _counts_cdf(rows, edges,
                                               users - sum(int(r[1]) for r in rows))

    rows = con.execute("SELECT key, k FROM gap_keys").fetchall()  # built by prepare
    keys = np.array(edge_keys(cdfs[INTERARRIVAL_GAP_KS]["edges"]), dtype=np.int64)
    # P(gap < 10^(j / per_decade) ms) = P(key < j)
    out[INTERARRIVAL_GAP_KS] = _counts_cdf(rows, keys.astype(np.float64))
    return out


def reference_checks(con: duckdb.DuckDBPyConnection, refs: Mapping[str, Any], origin: str,
                     spec: Spec, scale: float) -> list[Check]:
    """The KS distance of each plan-decided distribution to spec check's reference, judged."""
    out = []
    for metric, (cdf, n) in measured_cdfs(con, refs).items():
        ref = refs["cdfs"][metric]
        ks = ks_on_grid(cdf, ref["cdf"]) if n else math.inf
        declared = float(getattr(spec.tolerance, BASES[metric]))
        allowance = float(ref["allowance"])
        band_abs = declared * scale + allowance
        seeds = ref.get("seeds", len(ref.get("loo_ks", [])))
        out.append(Check(
            name=metric, kind=DISTRIBUTION, target=0.0,
            achieved=ks if math.isfinite(ks) else None, severity=severity(ks, band_abs),
            deviation=ks, band=band_abs, level=None, source="feasibility", spec_target=0.0,
            n=n, detail=f"KS of {WHAT[metric]} at {len(ref['edges'])} log-spaced points "
                        f"against the median CDF of {seeds} independent plans ({origin}); "
                        f"band {declared:g} x{scale:g} + allowance {allowance:.4f} (the "
                        "seeds' leave-one-out KS, scaled to alpha 1e-4)"))
    return out
