"""Expected values derived from the spec, checked against simulation; feasibility; overrides."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from synthgen.errors import InputError
from synthgen.fidelity.targets import (
    LEVEL,
    latency_cdf,
    lognormal_clipped_mean,
    lognormal_clipped_median,
    parse_feasibility,
    resolve_targets,
    spec_targets,
)
from synthgen.metrics import METRICS
from synthgen.spec import load_spec
from synthgen.spec_model import LogNormalClipped

RNG = np.random.default_rng(1)


@pytest.mark.parametrize("d", [
    LogNormalClipped(4.5, 1.2, 1, 5000), LogNormalClipped(8.0, 1.5, 500, 50000),
    LogNormalClipped(5.0, 1.0, 10, 5000), LogNormalClipped(2.0, 2.5, 5, 30),
    LogNormalClipped(9.0, 0.5, 10, 100),  # median clipped at the top
])
def test_clipped_lognormal_moments_match_simulation(d: LogNormalClipped) -> None:
    x = np.clip(np.exp(RNG.normal(d.mu, d.sigma, 400_000)), d.min, d.max)
    assert lognormal_clipped_mean(d) == pytest.approx(x.mean(), rel=0.02)
    assert lognormal_clipped_median(d) == pytest.approx(np.median(x), rel=0.02)


def test_latency_mixture_matches_simulation() -> None:
    spec = load_spec()
    lat = spec.reads.latency
    shares = np.array([lat.immediate.share, lat.near_term.share, lat.delayed.share])
    n = 400_000
    which = RNG.choice(3, n, p=shares / shares.sum())
    x = np.select([which == 0, which == 1], [
        RNG.uniform(0, lat.immediate.max_seconds, n),
        RNG.exponential(lat.near_term.mean_minutes * 60, n)],
        np.exp(RNG.normal(lat.delayed.mu, lat.delayed.sigma, n)) * 60)
    for edge in (30, 3600, 21600):
        assert latency_cdf(spec, edge) == pytest.approx((x < edge).mean(), abs=0.005)


def test_every_metric_has_a_level_and_a_spec_target() -> None:
    assert set(LEVEL) == set(METRICS)
    targets = spec_targets(load_spec(), 8000)
    assert set(targets) == set(METRICS)
    assert targets["heavy_rooms.count"] == 160
    assert targets["media.ratio"] == pytest.approx(0.15)
    assert targets["burstiness.goh_barabasi"] == pytest.approx(1.5 / 3.5)
    assert targets["content_length.median"] == pytest.approx(90.017, abs=0.01)


FEAS = {"targets": [
    {"metric": "heavy_rooms.traffic_share", "target": 0.3, "achievable": 0.48,
     "feasible": False, "reason": "band"},
    {"metric": "heavy_rooms.count", "target": 8.0, "achievable": 8.0, "feasible": True,
     "reason": ""}]}


def test_resolve_targets_sources() -> None:
    t = resolve_targets(load_spec(), 400, parse_feasibility(FEAS),
                        {"media.ratio": 0.2, "heavy_rooms.traffic_share": 0.5})
    assert (t["media.ratio"].value, t["media.ratio"].source) == (0.2, "override")
    # an override wins over feasibility: production says what the shape should be
    assert t["heavy_rooms.traffic_share"].source == "override"
    assert (t["heavy_rooms.count"].value, t["heavy_rooms.count"].source) == (8.0, "spec")
    t = resolve_targets(load_spec(), 400, parse_feasibility(FEAS))
    share = t["heavy_rooms.traffic_share"]
    assert (share.value, share.infeasible, share.spec_value) == (0.48, True, 0.3)


@pytest.mark.parametrize("raw", [
    [], {"targets": {}}, {"targets": [{"metric": "x"}]},
    {"targets": [{"metric": "x", "feasible": "no", "achievable": 1}]},
    {"targets": [{"metric": "x", "feasible": False, "achievable": True}]},
])
def test_malformed_feasibility_is_input_error(raw: Any) -> None:
    with pytest.raises(InputError, match=r"feasibility\.json"):
        parse_feasibility(raw)


def test_override_with_unknown_metric_is_input_error() -> None:
    with pytest.raises(InputError, match="media.ration"):
        resolve_targets(load_spec(), 400, None, {"media.ration": 0.1})
