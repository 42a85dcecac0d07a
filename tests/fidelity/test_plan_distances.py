"""KS distances against spec check's reference CDFs, and the derived message-status mix:
invariants of the grid CDF, the KS on a grid and the allowance; brute-force agreement; the
references' document contract; the closed-form status mix against a simulation of the
generator's draws."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthgen.bands import load_band
from synthgen.errors import InputError
from synthgen.fidelity import DERIVED, validate_dataset
from synthgen.fidelity.distances import KS_ALPHA
from synthgen.fidelity.plan_distances import BASES, parse_references
from synthgen.fidelity.status import MESSAGE_STATUS_TV, read_in_window, status_shares
from synthgen.fidelity.tolerance import NOISE_SIGMAS
from synthgen.generate import reference as ref
from synthgen.spec import load_spec
from synthgen.spec_model import Latency, Spec
from tests.fidelity.conftest import failed
from tests.fidelity.mutate import rewrite, set_where

samples = st.lists(st.integers(0, 300), min_size=1, max_size=200)
grids = st.lists(st.integers(0, 400), min_size=1, max_size=40, unique=True).map(sorted)
distances = st.lists(st.floats(0, 1), min_size=2, max_size=12)


@given(samples, grids)
def test_grid_cdf_is_the_share_below_each_edge(xs: list[int], edges: list[int]) -> None:
    values, counts = np.unique(xs, return_counts=True)
    got = ref.cdf_below(values, counts, np.array(edges))
    want = [sum(x < e for x in xs) / len(xs) for e in edges]
    assert np.allclose(got, want)
    assert (np.diff(got) >= 0).all()
    assert got.min() >= 0
    assert got.max() <= 1


@given(samples, samples, grids)
def test_ks_on_a_grid_is_a_metric_below_the_full_sup(a: list[int], b: list[int],
                                                     edges: list[int]) -> None:
    e = np.array(edges)
    fa = ref.cdf_below(*np.unique(a, return_counts=True), e)
    fb = ref.cdf_below(*np.unique(b, return_counts=True), e)
    d = ref.ks_on_grid(fa, fb)
    assert ref.ks_on_grid(fa, fa) == 0
    assert d == ref.ks_on_grid(fb, fa)
    assert 0 <= d <= 1
    full = np.arange(-1, 302)  # every integer: the exact two-sample sup
    assert d <= ref.ks_on_grid(ref.cdf_below(*np.unique(a, return_counts=True), full),
                               ref.cdf_below(*np.unique(b, return_counts=True), full)) + 1e-12


@given(distances, st.floats(1.1, 10))
def test_allowance_covers_the_seeds_and_grows_with_their_spread(d: list[float],
                                                                k: float) -> None:
    a = ref.ks_allowance(d)
    assert a >= max(d) - 1e-12  # mean + 4 sd covers every seed (Samuelson: up to 17 seeds)
    assert a >= np.mean(d) * 2.5  # at least the Kolmogorov critical value for n_eff
    assert ref.ks_allowance([x * k for x in d]) == pytest.approx(a * k)


def test_allowance_matches_the_gate_level_and_sigmas() -> None:
    assert ref.ALPHA == KS_ALPHA
    assert ref.SIGMAS == NOISE_SIGMAS


@pytest.mark.parametrize("n", [50, 400, 5000])
def test_allowance_holds_for_independent_draws(n: int) -> None:
    """Independent samples of n draws: an allowance from 9 of them covers a tenth sample's
    KS in (nearly) every one of 100 trials (fixed seeds: no flaky verdict)."""
    r = np.random.default_rng(n)
    edges = ref.count_edges(1000)
    over = 0
    for _ in range(100):
        cdfs = [ref.cdf_below(*np.unique(np.floor(r.lognormal(3, 1.2, n)),
                                         return_counts=True), edges) for _ in range(10)]
        r9 = ref.reference("m", "x", edges, cdfs[:9])
        over += ref.ks_on_grid(cdfs[9], r9.cdf) > r9.allowance
    assert over <= 1


@given(st.lists(st.integers(-5, 10**10), min_size=1, max_size=50))
def test_gap_keys_bucket_every_gap_below_its_edge(gaps: list[int]) -> None:
    keys = ref.gap_key(np.array(gaps))
    for g, k in zip(gaps, keys.tolist(), strict=True):
        if g <= 0:
            assert k == -1
        else:
            assert 10 ** (k / ref.GAP_KEYS_PER_DECADE) <= g * (1 + 1e-12)
            assert g < 10 ** ((k + 1) / ref.GAP_KEYS_PER_DECADE) * (1 + 1e-12)
    edges = ref.gap_edges(30)
    assert ref.edge_keys(edges.tolist()) == list(range(len(edges)))


@pytest.fixture(scope="module")
def ci_references() -> dict[str, Any]:
    band = load_band("ci")
    return ref.references(load_spec(overrides=band.spec_overrides), band).to_json()


def test_references_parse_back_and_reject_edits(ci_references: dict[str, Any]) -> None:
    doc = {"references": ci_references}
    assert parse_references(doc) == ci_references
    assert set(ci_references["cdfs"]) == set(BASES)
    for metric in BASES:
        r = ci_references["cdfs"][metric]
        assert r["seeds"] == ref.REFERENCE_SEEDS
        assert r["allowance"] > 0
        assert r["cdf"][-1] == pytest.approx(1.0, abs=1e-6)
    for path, value in [(("cdfs", ref.INTERARRIVAL_GAP_KS, "allowance"), -0.1),
                        (("cdfs", ref.MEMBERSHIPS_PER_USER_KS, "cdf"), [0.5]),
                        (("cdfs", ref.MESSAGES_PER_CONVERSATION_KS, "edges"), "x"),
                        (("recipients",), [])]:
        bad = copy.deepcopy(doc)
        node: Any = bad["references"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(InputError, match="references"):
            parse_references(bad)
    bad = copy.deepcopy(doc)
    bad["references"]["cdfs"][ref.MESSAGES_PER_CONVERSATION_KS]["cdf"][0] = 0.9
    with pytest.raises(InputError, match="non-decreasing"):
        parse_references(bad)


def test_references_are_the_same_whoever_computes_them(ci_references: dict[str, Any]) -> None:
    band = load_band("ci")
    again = ref.references(load_spec(overrides=band.spec_overrides), band).to_json()
    assert again == ci_references


@given(st.floats(0, 0.2), st.floats(0.3, 1.0), st.floats(0, 1), st.integers(1, 4))
def test_status_shares_are_a_distribution(deleted: float, delivery: float, read: float,
                                          m: int) -> None:
    spec = load_spec(overrides={"messages.deleted_share": deleted,
                                "reads.delivery_rate": delivery,
                                "reads.read_rate": read * delivery})
    s = status_shares(spec, 30 * 86_400.0, [0.0] * m + [1.0])
    assert sum(s.values()) == pytest.approx(1.0)
    assert min(s.values()) >= 0
    assert s["DELETED"] == pytest.approx(deleted)


def test_status_shares_match_the_generators_draws() -> None:
    """The generator's per-pair draws (delivered, read given delivered, read inside the
    window) and per-message precedence, simulated: the closed form agrees."""
    spec, window_s, n = Spec(), 30 * 86_400.0, 400_000
    r = np.random.default_rng(3)
    m = r.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
    rs = spec.reads
    pair_msg = np.repeat(np.arange(n), m)
    delivered = r.random(len(pair_msg)) < rs.delivery_rate
    read = delivered & (r.random(len(pair_msg)) < rs.read_rate / rs.delivery_rate)
    read &= r.random(len(pair_msg)) < read_in_window(rs.latency, window_s)
    any_read = np.bincount(pair_msg, weights=read, minlength=n) > 0
    any_delivered = np.bincount(pair_msg, weights=delivered, minlength=n) > 0
    deleted = r.random(n) < spec.messages.deleted_share
    got = {"DELETED": deleted.mean(), "READ": (~deleted & any_read).mean(),
           "DELIVERED": (~deleted & ~any_read & any_delivered).mean(),
           "SENT": (~deleted & ~any_delivered).mean()}
    want = status_shares(spec, window_s, [0.0, 0.5, 0.3, 0.2])
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=0.003), k


def test_read_in_window_falls_with_a_shorter_window() -> None:
    lat = Latency()
    assert read_in_window(lat, 86_400) < read_in_window(lat, 30 * 86_400) < 1
    assert read_in_window(lat, 0) == 0
    assert math.isclose(read_in_window(lat, 1e12), 1, abs_tol=1e-3)


def test_tiny_dataset_judges_every_new_distance(tiny_dataset: Path, tmp_path: Path) -> None:
    doc = validate_dataset(tiny_dataset, out=tmp_path / "f.json")
    checks = {c["name"]: c for c in doc["checks"]}
    for name in (*BASES, MESSAGE_STATUS_TV):
        assert checks[name]["severity"] == "ok", name
        assert checks[name]["spec_target"] == 0
        assert checks[name]["achieved"] is not None
    assert "predates" not in checks[ref.INTERARRIVAL_GAP_KS]["detail"]  # band_feasibility
    assert "does not vote" in checks[MESSAGE_STATUS_TV]["detail"]
    assert MESSAGE_STATUS_TV in DERIVED


def test_a_broken_status_column_is_reported_and_does_not_vote(
        tiny_copy: Path, tiny_targets: dict[str, float]) -> None:
    """Every status SENT: the read and delivery rates (receipts and reads) are as they were,
    the status mix is far off and flagged as a warning that does not vote; the NO-GO comes
    from the integrity rule that a status shows its receipts' highest state."""
    for status in ("READ", "DELIVERED"):
        rewrite(tiny_copy, "messages", set_where("messages", "status", "status", status,
                                                 "SENT"))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    check = next(c for c in doc["checks"] if c["name"] == MESSAGE_STATUS_TV)
    assert check["severity"] == "warning"
    assert check["achieved"] > 0.5
    assert doc["decision"] == "NO-GO"
    assert failed(doc) == {MESSAGE_STATUS_TV, "message_receipts.status_reflects_receipts"}
    assert not any(MESSAGE_STATUS_TV in r for r in doc["reasons"])


def test_a_status_column_raised_above_its_receipts_is_no_go(
        tiny_copy: Path, tiny_targets: dict[str, float]) -> None:
    """Every DELIVERED status READ: no receipt is above its message (the rule above holds),
    but no READ receipt backs those messages; the status mix warns and does not vote."""
    rewrite(tiny_copy, "messages", set_where("messages", "status", "status", "DELIVERED",
                                             "READ"))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert doc["decision"] == "NO-GO"
    assert failed(doc) == {MESSAGE_STATUS_TV, "message_receipts.status_reached_by_a_receipt"}
    assert not any(MESSAGE_STATUS_TV in r for r in doc["reasons"])
