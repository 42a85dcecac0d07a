"""Tolerance arithmetic and the decision rule, from tables of cases."""

from __future__ import annotations

import math

import pytest

from synthgen.bands import load_band
from synthgen.errors import InputError
from synthgen.fidelity import distribution_checks
from synthgen.fidelity.check import Check
from synthgen.fidelity.targets import Target
from synthgen.fidelity.tolerance import (
    band_for,
    decide,
    deviation,
    parse_tolerance,
    severity,
)
from synthgen.spec import load_spec

CI = load_band("ci")
SPEC = load_spec(overrides=CI.spec_overrides)


def judge(targets: dict[str, Target], measured: dict[str, tuple[float, int]],
          tolerance: str | float = "normal") -> list[Check]:
    return distribution_checks(targets, measured, parse_tolerance(tolerance), SPEC, CI, 20.0)


@pytest.mark.parametrize(("value", "name", "scale"), [
    ("strict", "strict", 1 / 3), ("normal", "normal", 1.0), ("relaxed", "relaxed", 2.0),
    (" Relaxed ", "relaxed", 2.0), ("0.5", "factor", 0.5), ("3", "factor", 3.0),
    (1.5, "factor", 1.5),
])
def test_parse_tolerance(value: str | float, name: str, scale: float) -> None:
    tol = parse_tolerance(value)
    assert tol.name == name
    assert tol.scale == pytest.approx(scale)


@pytest.mark.parametrize("value", ["loose", "", "0", "-1", "nan", "inf", 0.0, -2.0])
def test_parse_tolerance_rejects(value: str | float) -> None:
    with pytest.raises(InputError, match="tolerance"):
        parse_tolerance(value)


@pytest.mark.parametrize(("level", "scale", "noise", "band"), [
    ("strict", 1.0, 0.0, 0.05), ("normal", 1.0, 0.0, 0.15), ("relaxed", 1.0, 0.0, 0.30),
    ("normal", 1 / 3, 0.0, 0.05),   # --tolerance strict turns a normal metric into 5%
    ("normal", 2.0, 0.0, 0.30),     # --tolerance relaxed turns it into 30%
    ("strict", 2.0, 0.0, 0.10), ("relaxed", 0.5, 0.0, 0.15),
    ("strict", 1.0, 0.02, 0.08),    # noise floor: 4 standard deviations win over 5%
    ("normal", 1.0, 0.02, 0.15),    # ... but not over 15%
])
def test_band_for(level: str, scale: float, noise: float, band: float) -> None:
    assert band_for(level, scale, noise) == pytest.approx(band)


@pytest.mark.parametrize(("target", "achieved", "dev"), [
    (0.15, 0.15, 0.0), (0.15, 0.18, 0.2), (0.15, 0.12, 0.2), (100, 250, 1.5),
    (0.0, 0.0, 0.0), (0.0, 0.03, 0.03), (-2.0, -1.0, 0.5), (1.0, math.nan, math.inf),
])
def test_deviation(target: float, achieved: float, dev: float) -> None:
    assert deviation(target, achieved) == pytest.approx(dev)


@pytest.mark.parametrize(("dev", "band", "sev"), [
    (0.0, 0.15, "ok"), (0.15, 0.15, "ok"), (0.1501, 0.15, "critical"),
    (0.3001, 0.15, "critical"), (math.inf, 0.15, "critical"), (0.06, 0.05, "critical"),
])
def test_severity(dev: float, band: float, sev: str) -> None:
    assert severity(dev, band) == sev
    # a metric that does not vote is at most a warning
    assert severity(dev, band, votes=False) == ("ok" if sev == "ok" else "warning")


D, INTEG, P = "distribution", "integrity", "pii"


@pytest.mark.parametrize(("checks", "go"), [
    ([], True),
    ([("a", D, "ok"), ("b", INTEG, "ok"), ("c", P, "ok")], True),
    ([("a", D, "warning")] * 5, True),                      # warnings never vote
    ([("a", D, "critical")], False),                        # one metric out: NO-GO
    ([("a", D, "ok")] * 30 + [("b", D, "critical")], False),
    ([("a", INTEG, "failed")], False),                          # any integrity failure
    ([("a", P, "failed"), ("b", D, "ok")], False),          # any PII finding
    ([("a", D, "warning")] * 3 + [("b", INTEG, "ok")], True),
])
def test_decision_rule(checks: list[tuple[str, str, str]], go: bool) -> None:
    decision = decide(checks)
    assert decision.go is go
    assert decision.label == ("GO" if go else "NO-GO")
    assert bool(decision.reasons) is not go


def test_reasons_name_the_checks() -> None:
    d = decide([("fk.messages.senderId", INTEG, "failed"), ("media.ratio", D, "critical"),
                *[(f"w{i}", D, "warning") for i in range(4)]])
    assert "integrity check failed: fk.messages.senderId" in d.reasons
    assert "outside its band: media.ratio" in d.reasons
    assert not any("w3" in r for r in d.reasons)


@pytest.mark.parametrize(("tolerance", "achieved", "sev"), [
    ("normal", 0.165, "ok"), ("normal", 0.18, "critical"), ("normal", 0.20, "critical"),
    ("strict", 0.18, "critical"), ("relaxed", 0.18, "ok"), ("relaxed", 0.22, "critical"),
    (4.0, 0.23, "ok"), (4.0, 0.30, "critical"),
])
def test_distribution_check_applies_scaled_band(tolerance: str | float, achieved: float,
                                                sev: str) -> None:
    targets = {"media.ratio": Target("media.ratio", 0.15, "normal", "spec", 0.15)}
    (check,) = judge(targets, {"media.ratio": (achieved, 10**7)}, tolerance)
    assert check.severity == sev
    assert check.deviation == pytest.approx(abs(achieved - 0.15) / 0.15)


def test_infeasible_target_is_judged_against_resolved_and_flagged() -> None:
    t = Target("heavy_rooms.traffic_share", 0.48, "normal", "feasibility", 0.30,
               infeasible=True, reason="heavy rooms absorb the band total")
    (check,) = judge({t.metric: t}, {t.metric: (0.47, 60_000)})
    assert check.severity == "ok"
    assert check.infeasible
    assert check.target == 0.48
    assert check.spec_target == 0.30
    assert "absorb" in check.detail


def test_allowance_comes_from_the_band_not_the_data() -> None:
    # the same achieved value over a different observed n gets the same band
    t = Target("media.ratio", 0.15, "normal", "spec", 0.15)
    (few,) = judge({t.metric: t}, {t.metric: (0.16, 40)})
    (many,) = judge({t.metric: t}, {t.metric: (0.16, 4_000_000)})
    assert few.band == many.band


def test_exact_quantities_get_no_allowance() -> None:
    t = Target("conversation_size.large_group_share", 0.05, "strict", "feasibility", 0.05,
               exact=True)
    (check,) = judge({t.metric: t}, {t.metric: (0.0525, 400)})
    assert check.band == pytest.approx(0.05)
    assert check.severity == "ok"
    (check,) = judge({t.metric: t}, {t.metric: (0.0475 - 1e-9, 400)})
    assert check.severity == "critical"


def test_plan_decided_targets_get_their_spread_over_plans() -> None:
    t = Target("messages_per_conversation.p99", 3000.0, "relaxed", "feasibility", 5000.0,
               infeasible=True, spread=300.0)
    (check,) = judge({t.metric: t}, {t.metric: (4150.0, 400)})
    assert check.band == pytest.approx(0.4)  # 4 x 300 / 3000 beats relaxed 30%
    assert check.severity == "ok"
    (check,) = judge({t.metric: t}, {t.metric: (4250.0, 400)})
    assert check.severity == "critical"


def test_a_derived_metric_reports_but_does_not_vote() -> None:
    cv = Target("burstiness.interarrival_cv", 2.5, "relaxed", "spec", 2.5)
    b = Target("burstiness.goh_barabasi", 1.5 / 3.5, "relaxed", "spec", 1.5 / 3.5)
    checks = judge({cv.metric: cv, b.metric: b},
                   {cv.metric: (2.4, 100), b.metric: (0.1, 100)})
    sev = {c.name: c.severity for c in checks}
    assert sev == {"burstiness.interarrival_cv": "ok", "burstiness.goh_barabasi": "warning"}
    assert decide((c.name, c.kind, c.severity) for c in checks).go
