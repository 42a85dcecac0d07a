"""Suppression, coarsening and DP noise, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthgen.errors import InputError
from synthgen.sample.export import build_export
from synthgen.sample.measures import MEASURES, window_measures
from synthgen.sample.privacy import (
    NoiseBudget,
    publish_counts,
    publish_one,
    publish_quantiles,
    publish_scalar,
    suppress,
)
from synthgen.sample.queries import Cat, Hist, Quant, RawCounts, RawQuantiles, RawScalar


def test_bucket_of_k_minus_1_is_suppressed_with_its_complement() -> None:
    k = 10
    out = publish_counts([500, 9, 120, 40], [200, k - 1, 60, 25], k)
    assert out["counts"] == [500, None, 120, None]  # the small cell and the smallest other one
    assert out["total"] == 669
    assert out["suppressed"] == 2
    assert out["shares"][1] is None
    assert out["shares"][3] is None


def test_bucket_of_exactly_k_is_published() -> None:
    out = publish_counts([500, 10, 120], [200, 10, 60], 10)
    assert out["counts"] == [500, 10, 120]
    assert out["suppressed"] == 0


def test_lone_small_histogram_is_withheld_entirely() -> None:
    out = publish_counts([7, 0, 0], [3, 0, 0], 10)
    assert out == {"counts": [None] * 3, "shares": [None] * 3, "total": None, "suppressed": 3}


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 30)), min_size=1, max_size=12),
       st.integers(2, 20))
def test_no_small_cell_can_be_derived(cells: list[tuple[int, int]], k: int) -> None:
    """Published cells are >= k entities; hidden ones, summed, include a cell of >= k."""
    counts = [c if e else 0 for c, e in cells]
    entities = [e if c else 0 for c, e in cells]
    hidden = suppress(counts, entities, k)
    for e, h in zip(entities, hidden, strict=True):
        if not h:
            assert e == 0 or e >= k
    hidden_nonzero = [e for e, c, h in zip(entities, counts, hidden, strict=True) if h and c > 0]
    if hidden_nonzero and not all(hidden):
        assert max(hidden_nonzero) >= k


def test_extreme_quantiles_need_k_entities_beyond_them() -> None:
    raw = RawQuantiles([9.4, 51.7, 4321.0], 5000, 500, 15.23)
    out = publish_quantiles((0.5, 0.95, 0.99), raw, 10)
    assert out["values"] == [9.4, 52.0, None]  # p99 over 500 entities has only 5 beyond it
    assert out["mean"] == 15.2
    big = publish_quantiles((0.99,), RawQuantiles([4321.0], 10**6, 1000, 1.0), 10)
    assert big["values"] == [4300.0]  # coarsened to 2 significant digits


def test_scalars_need_k_entities_but_zero_is_publishable() -> None:
    assert publish_scalar("reads.read_rate", RawScalar(0.81234, 9), 10) is None
    assert publish_scalar("reads.read_rate", RawScalar(0.81234, 10), 10) == 0.812
    assert publish_scalar("heavy_rooms.count", RawScalar(0.0, 0), 10) == 0.0
    assert publish_scalar("population.messages", RawScalar(123456.0, 5000), 10) == 120000.0


def _raw() -> dict[str, object]:
    raw: dict[str, object] = {}
    for m in MEASURES + window_measures(30):
        if isinstance(m, Hist | Cat):
            n = len(m.edges) if isinstance(m, Hist) else len(m.labels)
            raw[m.name] = RawCounts([1000 + 10 * i for i in range(n)], [400] * n, 0)
        elif isinstance(m, Quant):
            raw[m.name] = RawQuantiles([float(i + 1) for i in range(len(m.probs))], 9000, 9000, 3.0)
        else:
            raw[m.name] = RawScalar(0.5, 9000)
    return raw


def test_epsilon_adds_opendp_noise_and_records_the_budget() -> None:
    pytest.importorskip("opendp")
    measures = MEASURES + window_measures(30)
    raw = _raw()
    exact, _ = build_export(measures, raw, {}, window_days=30, k=10, epsilon=None)  # type: ignore[arg-type]
    noisy, budget = build_export(measures, raw, {}, window_days=30, k=10, epsilon=1.0)  # type: ignore[arg-type]
    assert budget is not None
    assert noisy["epsilon"] == 1.0
    assert 0 < noisy["epsilon_spent"] <= 1.0 + 1e-9
    assert len(budget.spent) == 2 * sum(isinstance(m, Hist | Cat) for m in measures)
    name = "content_length.histogram"
    assert noisy["metrics"][name]["counts"] != exact["metrics"][name]["counts"]
    # scalars with unbounded sensitivity are withheld under DP, derived ones are kept
    assert noisy["metrics"]["burstiness.interarrival_cv"] is None
    assert noisy["metrics"]["time.hourly_peak_to_trough"] is not None
    assert noisy["metrics"]["content_length.quantiles"]["values"][2] is not None


@pytest.mark.parametrize("eps", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_epsilon_is_refused(eps: float) -> None:
    with pytest.raises(InputError):
        NoiseBudget(eps, 3)


def test_nested_histogram_cannot_leak_through_its_coarse_totals() -> None:
    """Size classes publish group totals of the member histogram: suppress inside groups."""
    members = next(m for m in MEASURES if m.name == "conversation_size.members")
    assert isinstance(members, Hist)
    counts = [0] * len(members.edges)
    entities = [0] * len(members.edges)
    for edge, n in ((2, 150), (3, 57), (4, 34), (5, 8), (6, 14), (8, 7), (21, 23), (31, 7)):
        counts[members.edges.index(edge)] = entities[members.edges.index(edge)] = n
    out = publish_one(members, RawCounts(counts, entities, 0), 10)
    shown = dict(zip(members.edges, out["counts"], strict=True))
    # the large class (21+) is published as 30 elsewhere: 23 alone would reveal the 7
    assert shown[31] is None
    assert shown[21] is None
    # inside the small class the two small cells protect each other only with a >= k cell
    assert shown[5] is None
    assert shown[8] is None
    assert sum(shown[e] is None for e in (3, 4, 6)) == 1
    assert shown[2] == 150
