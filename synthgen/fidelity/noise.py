"""Sampling allowances: how far chance alone moves each metric, from the spec and the band.

Every allowance is a relative standard deviation computed from the target, the number of
observations the band implies and the spec's own parameters — never from the dataset being
judged (a more clustered, less faithful dataset must not earn a wider band):

- a share of ``n`` independent trials: binomial, sqrt(p (1 - p) / n) / p;
- the median of a log-normal(mu, sigma) over ``n`` draws: sigma sqrt(pi / 2) / sqrt(n)
  (the quantile's asymptotic variance q (1 - q) / (n f(x_q)^2) at q = 1/2);
- the mean of a clipped log-normal: its standard deviation over sqrt(n) (closed form);
- calendar ratios: Poisson counts of messages per bucket inflated by the calendar's Fano
  factor, which spec check measures on independent simulated timelines of the band
  (``synthgen.generate.feasibility.calendar_fano``): messages come in bursts and in
  conversations, so bucket counts vary tens of times more than a Poisson stream's;
- plan-decided targets (messages per conversation, heavy-room share): their spread over the
  independent plans spec check resolved them from, on the log scale (exp(4 sd of the log) - 1
  as the band): on a small band they are skewed to the right;
- exact-by-construction quantities: none.
"""

from __future__ import annotations

import math

from synthgen.bands import Band
from synthgen.fidelity.targets import Target
from synthgen.predict import (
    ATTACHMENT_KINDS,
    lognormal_clipped_mean,
    lognormal_clipped_sd,
    media_ratio,
    size_kb,
    type_share,
)
from synthgen.spec_model import Spec

HOURS_PER_DAY = 24
WEEKDAYS, WEEKEND_DAYS = 5, 2

BINOMIAL: frozenset[str] = frozenset(
    {f"attachment_type.{k}_share" for k in ATTACHMENT_KINDS}
    | {"read_latency.immediate_share", "read_latency.within_1h_share",
       "read_latency.over_6h_share", "media.ratio", "reads.delivery_rate", "reads.read_rate"})
"""Metrics that are a share of independent trials (each message, attachment or read draws
its own category)."""


def binomial_sd(p: float, n: int) -> float:
    """Relative standard deviation of a share ``p`` observed over ``n`` independent trials.

    >>> round(binomial_sd(0.5, 100), 6)
    0.1
    >>> binomial_sd(0.0, 100), binomial_sd(0.5, 0), binomial_sd(1.0, 10)
    (0.0, 0.0, 0.0)
    """
    if n <= 0 or p <= 0 or p >= 1:
        return 0.0
    return math.sqrt(p * (1 - p) / n) / p


def log_scale_sd(log_sd: float, sigmas: float) -> float:
    """A spread on the log scale as the relative sd the bands use: ``sigmas`` of it are
    exp(sigmas x log_sd) - 1, so a right-skewed quantity is covered on its long side.

    >>> round(4 * log_scale_sd(0.14, 4), 3)
    0.751
    """
    return math.expm1(sigmas * log_sd) / sigmas


def lognormal_median_sd(sigma: float, n: int) -> float:
    """Relative standard deviation of the sample median of ``n`` log-normal(mu, sigma) draws.

    >>> round(lognormal_median_sd(1.0, 100), 4)
    0.1253
    """
    return sigma * math.sqrt(math.pi / 2) / math.sqrt(n) if n > 0 else 0.0


def count_ratio_sd(n_a: float, n_b: float, fano: float) -> float:
    """Relative standard deviation of the ratio of two counts with these expected values,
    each Poisson with variance inflated by ``fano`` (independent buckets).

    >>> round(count_ratio_sd(100, 100, 1.0), 4)
    0.1414
    """
    if n_a <= 0 or n_b <= 0:
        return 0.0
    return math.sqrt(fano * (1 / n_a + 1 / n_b))


def extreme_shift(k: int) -> float:
    """Expected maximum of ``k`` independent standard normals, roughly: sqrt(2 ln k).

    A max/min ratio picks the luckiest of k buckets at each end, so it sits above its target
    by about this many standard deviations even when nothing is wrong.

    >>> round(extreme_shift(24), 3)
    2.521
    """
    return math.sqrt(2 * math.log(k)) if k > 1 else 0.0


def _hourly(spec: Spec, n: int, sigmas: float, fano: float) -> float:
    from synthgen.generate.timeline import hourly_profile

    prof = hourly_profile(spec.time)
    per_hour = [n * float(x) / float(prof.sum()) for x in prof]
    sd = count_ratio_sd(max(per_hour), min(per_hour), fano)
    # expressed as a standard deviation, so that `sigmas` of them also cover the max/min bias
    return sd * (sigmas + math.sqrt(2) * extreme_shift(HOURS_PER_DAY)) / sigmas


def _weekday(spec: Spec, n: int, fano: float) -> float:
    w = spec.time.weekday_to_weekend
    total = WEEKDAYS * w + WEEKEND_DAYS
    return count_ratio_sd(n * WEEKDAYS * w / total, n * WEEKEND_DAYS / total, fano)


def expected_n(metric: str, spec: Spec, band: Band) -> int:
    """Observations behind a metric that the band and spec imply (never the dataset's count).

    Reads count one recipient per message (max_recipients >= 1): fewer trials than a wider
    fan-out gives, so the allowance errs wide, never narrow.

    >>> from synthgen.bands import load_band
    >>> expected_n("media.ratio", Spec(), load_band("ci"))
    60000
    """
    msgs = band.messages
    media = media_ratio(spec)
    apm = spec.media.attachments_per_message
    attachments = msgs * (apm.one + apm.several * (2 + apm.several_max) / 2)
    if metric.startswith("content_length."):
        return int(msgs * (1 - media * (1 - spec.content.caption_share)))
    if metric.startswith("attachment_type."):
        return int(attachments)
    if metric.startswith("attachment_size_kb."):
        kind = metric.split(".")[1].removesuffix("_median")
        return int(attachments * type_share(spec.media, kind))
    if metric.startswith("read_latency."):
        return int(msgs * spec.reads.read_rate)
    return msgs


def allowance(t: Target, spec: Spec, band: Band, sigmas: float,
              calendar_fano: float) -> tuple[float, str]:
    """(relative standard deviation, how it was derived) for one metric's target.

    ``sigmas`` is how many standard deviations the band covers.
    """
    m = t.metric
    n = expected_n(m, spec, band)
    if t.exact:
        return 0.0, "exact by construction: no allowance"
    if t.source == "feasibility":
        if t.log_spread > 0:  # right-skewed across plans: sigmas sd of the log, as a relative sd
            return (log_scale_sd(t.log_spread, sigmas),
                    f"{sigmas:g} sd of its log over the independent plans spec check resolved "
                    "it from")
        rel = t.spread / abs(t.value) if t.value else t.spread
        return rel, "spread over the independent plans spec check resolved it from"
    if t.source == "override":
        return 0.0, ""
    if m in BINOMIAL:
        return binomial_sd(t.value, n), f"binomial over n={n:,}"
    if m == "content_length.median":
        return lognormal_median_sd(spec.content.length.sigma, n), f"log-normal median, n={n:,}"
    if m == "content_length.mean":
        d = spec.content.length
        sd = lognormal_clipped_sd(d) / lognormal_clipped_mean(d) / math.sqrt(n) if n else 0.0
        return sd, f"clipped log-normal mean, n={n:,}"
    if m.startswith("attachment_size_kb."):
        kind = m.split(".")[1].removesuffix("_median")
        return (lognormal_median_sd(size_kb(spec.media, kind).sigma, n),
                f"log-normal median, n={n:,}")
    if m == "time.hourly_peak_to_trough":
        return (_hourly(spec, n, sigmas, calendar_fano),
                f"Poisson hours x Fano {calendar_fano:g}, n={n:,}, plus the max/min "
                "selection bias")
    if m == "time.weekday_to_weekend":
        return (_weekday(spec, n, calendar_fano),
                f"Poisson days x Fano {calendar_fano:g}, n={n:,}")
    return 0.0, ""
