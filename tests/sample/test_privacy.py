"""Suppression, coarsening and DP noise, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthgen.errors import InputError
from synthgen.sample import UNIT
from synthgen.sample.bounded import (
    MESSAGES_PER_USER,
    READS_PER_MESSAGE,
    READS_PER_USER,
    RELEASES,
)
from synthgen.sample.export import build_export
from synthgen.sample.gate import check_export
from synthgen.sample.measures import MEASURES, window_measures
from synthgen.sample.privacy import (
    add_noise,
    check_epsilon,
    publish_counts,
    publish_one,
    publish_quantiles,
    publish_scalar,
    suppress,
)
from synthgen.sample.queries import Hist, RawCounts, RawQuantiles, RawScalar


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


def _release_raw(n_entities: int = 400_000) -> dict[str, RawCounts]:
    raw = {}
    for r in RELEASES:
        m = r.measure
        n = len(m.edges) if isinstance(m, Hist) else len(m.labels)
        raw[m.name] = RawCounts([n_entities + 10 * i for i in range(n)], [n_entities] * n, 0)
    return raw


def test_epsilon_adds_opendp_noise_and_composes_the_budget() -> None:
    pytest.importorskip("opendp")
    measures = MEASURES + window_measures(30)
    raw = _release_raw()
    noised = add_noise(RELEASES, raw, 1.0)
    doc = build_export(measures, {}, window_days=30, k=10, noised=noised)
    assert doc["epsilon"] == 1.0
    assert doc["unit_of_privacy"] == UNIT
    # OpenDP's composition of the 2 vectors per release, each at epsilon / (2 * releases)
    assert doc["epsilon_spent"] == pytest.approx(1.0, rel=1e-9)
    assert len(noised.ledger) == len(RELEASES)
    for entry, r in zip(noised.ledger, RELEASES, strict=True):
        assert entry["sensitivity"] == r.sensitivity
        assert entry["scale"] == pytest.approx(r.sensitivity * 2 * len(RELEASES))
        assert entry["epsilon"] == pytest.approx(1.0 / len(RELEASES))
    name = "content_length.histogram"
    assert doc["metrics"][name]["counts"] != raw[name].counts
    # metrics without a bounded release are withheld, derived ones are kept
    assert doc["metrics"]["burstiness.interarrival_cv"] is None
    assert doc["metrics"]["messages_per_conversation.histogram"]["total"] is None
    assert doc["metrics"]["time.hourly_peak_to_trough"] is not None
    assert doc["metrics"]["content_length.quantiles"]["values"][2] is not None
    check_export(doc)


def test_noise_floor_hides_cells_that_noise_alone_could_fill() -> None:
    """An empty production: a cell shows only if noise alone clears the floor (1e-5 each)."""
    pytest.importorskip("opendp")
    noised = add_noise(RELEASES, _release_raw(0), 1.0)
    doc = build_export(MEASURES + window_measures(30), {}, window_days=30, k=10, noised=noised)
    cells = [c for r in RELEASES for c in doc["metrics"][r.measure.name]["counts"]]
    assert sum(c is not None for c in cells) == 0
    # without the floor (k only) about half of them would show
    shown_at_k = sum(e >= 10 for r in RELEASES for e in noised.counts[r.measure.name].entities)
    assert shown_at_k >= 0.2 * len(cells)


def test_user_level_scale_grows_with_the_derived_sensitivity() -> None:
    pytest.importorskip("opendp")
    noised = add_noise(RELEASES, _release_raw(), 2.0)
    by = {e["release"]: e for e in noised.ledger}
    assert by["read_latency.histogram"]["scale"] == pytest.approx(
        (2 * READS_PER_USER + MESSAGES_PER_USER * READS_PER_MESSAGE) * len(RELEASES))
    assert by["users.username_length"]["scale"] == pytest.approx(len(RELEASES))


@pytest.mark.parametrize("eps", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_epsilon_is_refused(eps: float) -> None:
    with pytest.raises(InputError):
        check_epsilon(eps)


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


def test_noisy_shares_are_of_the_whole_not_of_the_shown_cells() -> None:
    """A hidden cell still counts in the total: shown shares estimate the true shares."""
    from synthgen.sample.export import publish_noisy

    mix = next(r.measure for r in RELEASES if r.measure.name == "attachment_type.mix")
    n = len(mix.labels)  # type: ignore[union-attr]
    counts = [400, 300, 5, 3] + [0] * (n - 4)
    out = publish_noisy(mix, RawCounts(counts, counts, 0), sum(counts), 1.0, 10)
    assert out["shares"][:4] == [round(400 / 708, 4), round(300 / 708, 4), None, None]
    assert out["total"] == 708
    assert out["suppressed"] == n - 2


@pytest.mark.parametrize("hidden_cells", [0, 3])
def test_quantiles_need_the_shown_cells_to_cover_the_histogram(hidden_cells: int) -> None:
    """Quantiles read off a histogram with hidden mass would be bent: withheld instead."""
    pytest.importorskip("opendp")
    raw = _release_raw()
    h = raw["content_length.histogram"]
    for i in range(hidden_cells):
        h.entities[i] = 0
    doc = build_export(MEASURES + window_measures(30), {}, window_days=30, k=10,
                       noised=add_noise(RELEASES, raw, 1.0))
    values = doc["metrics"]["content_length.quantiles"]["values"]
    assert doc["metrics"]["content_length.histogram"]["suppressed"] == hidden_cells
    assert all(v is None for v in values) == (hidden_cells > 0)
    assert doc["metrics"]["population.users"] == pytest.approx(400_000 * 31, rel=0.05)
