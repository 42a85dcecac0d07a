"""Tolerance bands, severity and the GO / NO-GO rule of the fidelity gate (DESIGN section 7).

Every distribution metric declares a tolerance level: ``strict`` (5%), ``normal`` (15%) or
``relaxed`` (30%) relative deviation from its target. ``--tolerance`` scales all of them at
once: ``normal`` keeps the declared bands (x1), ``strict`` multiplies them by 1/3 (normal's
15% becomes strict's 5%), ``relaxed`` by 2 (15% becomes 30%), and a number is the factor
itself. A deviation beyond the band is ``critical`` and makes the verdict NO-GO on its own;
a derived metric beyond its band is only a ``warning`` (it repeats its source, which votes).

Every metric's band is also never narrower than NOISE_SIGMAS sampling standard deviations
(``synthgen.fidelity.noise``: from the band size and the spec's parameters, zero for what is
exact by construction), so the gate judges the generator, not the luck of a small sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from synthgen.errors import InputError

LEVELS: dict[str, float] = {"strict": 0.05, "normal": 0.15, "relaxed": 0.30}
"""Declared tolerance levels: relative deviation allowed from the target."""

SCALES: dict[str, float] = {"strict": 1 / 3, "normal": 1.0, "relaxed": 2.0}
"""What ``--tolerance <name>`` multiplies every declared band by."""

NOISE_SIGMAS = 4.0
"""A metric's band is at least this many sampling standard deviations (relative): with ~60
metrics judged, 4 sigma keeps a correct dataset's chance of a false NO-GO near 0.4%."""

OK, WARNING, CRITICAL, FAILED = "ok", "warning", "critical", "failed"
SEVERITIES = (OK, WARNING, CRITICAL, FAILED)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """The ``--tolerance`` choice: a name (or ``factor``) and the scale it applies."""

    name: str
    scale: float


def parse_tolerance(value: str | float) -> Tolerance:
    """Read ``strict|normal|relaxed|<factor>``; InputError for anything else.

    >>> parse_tolerance("relaxed")
    Tolerance(name='relaxed', scale=2.0)
    >>> parse_tolerance("1.5")
    Tolerance(name='factor', scale=1.5)
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key in SCALES:
            return Tolerance(key, SCALES[key])
        try:
            factor = float(key)
        except ValueError:
            raise InputError(f"--tolerance must be strict, normal, relaxed or a positive "
                             f"number, got {value!r}") from None
    else:
        factor = float(value)
    if not math.isfinite(factor) or factor <= 0:
        raise InputError(f"--tolerance factor must be a positive number, got {value!r}")
    return Tolerance("factor", factor)


def band_for(level: str, scale: float, noise_rel: float = 0.0) -> float:
    """Relative band of a metric: its declared level times the scale, widened to the noise floor.

    >>> band_for("normal", 1.0)
    0.15
    >>> round(band_for("strict", 2.0), 6)
    0.1
    >>> band_for("strict", 1.0, noise_rel=0.1)
    0.4
    """
    return max(LEVELS[level] * scale, NOISE_SIGMAS * noise_rel)


def deviation(target: float, achieved: float) -> float:
    """Relative deviation ``|achieved - target| / |target|`` (absolute when the target is 0).

    >>> round(deviation(0.15, 0.18), 12)
    0.2
    >>> deviation(0.0, 0.02)
    0.02
    """
    if not math.isfinite(achieved):
        return math.inf
    if target == 0:
        return abs(achieved)
    return abs(achieved - target) / abs(target)


def severity(dev: float, band: float, *, votes: bool = True) -> str:
    """``critical`` beyond the band (``warning`` for a metric that does not vote), else ``ok``.

    >>> severity(0.10, 0.15), severity(0.1501, 0.15), severity(0.31, 0.15, votes=False)
    ('ok', 'critical', 'warning')
    """
    if dev > band:
        return CRITICAL if votes else WARNING
    return OK


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's verdict and why."""

    go: bool
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return "GO" if self.go else "NO-GO"


def decide(results: Iterable[tuple[str, str, str]]) -> Decision:
    """Apply the rule to ``(name, kind, severity)`` triples.

    NO-GO on any distribution metric outside its band (critical) and any failed integrity or
    PII check; warnings (derived metrics) are reported and never vote.

    >>> decide([("a", "distribution", "ok"), ("b", "distribution", "warning")]).label
    'GO'
    >>> decide([("fk", "integrity", "failed"), ("m", "distribution", "critical")]).reasons
    ('integrity check failed: fk', 'outside its band: m')
    """
    items = list(results)
    reasons = [f"{kind} check failed: {name}" for name, kind, sev in items if sev == FAILED]
    reasons += [f"outside its band: {name}" for name, _, sev in items if sev == CRITICAL]
    return Decision(go=not reasons, reasons=tuple(reasons))
