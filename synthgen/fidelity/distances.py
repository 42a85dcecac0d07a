"""Whole-distribution distances: total variation of a categorical mix against the spec's.

A point ratio (peak/trough, weekday/weekend) misses a diurnal curve shifted by six hours; the
168-bucket hour-of-week profile does not. The distance is judged against 0 with a band of
its declared tolerance (times ``--tolerance``) plus the distance sampling noise alone
produces: bucket counts are Poisson inflated by the calendar's Fano factor F (measured by
spec check on simulated timelines, see ``synthgen.fidelity.noise``), so |share_i - p_i| is
half-normal with sd s_i = sqrt(F p_i (1 - p_i) / n), E[TV] = sum(s_i) sqrt(2 / pi) / 2 and
sd[TV] ~ sqrt(2 sum(s_i^2) (1 - 2 / pi)) / 2 (independent buckets, times sqrt(2) for the
correlation of shares that sum to one: exact for two buckets). All from spec and band.

The categorical mixes (message types, attachment types) use the same TV and noise with
F = 1: each message's type and each attachment's type is an independent draw (per message,
not per conversation, so there is no clustering), i.e. a multinomial. Conversation size
classes are exact by construction (the plan fixes their counts) and get no distance here.

Content length gets a Kolmogorov-Smirnov statistic against the spec's CDF. Lengths are
integers (the generator rounds the log-normal, then clips), so the spec's CDF is a step
function with jumps only at integers, and comparing both CDFs at every integer length the
data hold is the exact sup (the empirical CDF is constant between observed lengths, the
spec's between integers). DuckDB groups the lengths into per-length counts in one pass; the
statistic runs over those few thousand buckets. Lengths are drawn per message, independent
of the conversation (no clustering), so n is the spec's expected count of messages with
content for the band (not the judged data's count). The allowance is the asymptotic KS
critical value sqrt(-ln(alpha / 2) / 2) / sqrt(n) at alpha = KS_ALPHA (conservative for a
discrete CDF), plus a declared base.

Attachment sizes get a KS statistic per kind against the spec's clipped log-normal in KB,
counted at SIZE_GRID log-spaced sizes between the kind's min and max (one grouped pass over
``attachments``): a lower bound of the sup within 0.007 (the CDF rises at most that much
between two grid points), judged against the full-sup critical value. Sizes are drawn per
attachment, so no clustering; n is the spec's expected count of the kind for the band.

Read latency gets a KS statistic on the report's CDF grid (LATENCY_GRID_S, 1 s .. 30 days,
counted by the integrity pass over message_reads: no extra scan). Sixteen grid points give a
lower bound of the sup over all points, judged against the full-sup critical value
(conservative). A read after the window's end is not recorded, which cuts the long tail
(about 0.01 on the ci band's 30 days), so the spec's CDF is taken conditional on the read
landing in the window (``predict.latency_cdf_in_window``). Latencies are drawn per read, so
no clustering; n is the spec's lower bound of reads, messages x read_rate (each message has
at least one recipient), the smaller n giving the wider allowance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from synthgen.bands import Band
from synthgen.fidelity.check import DISTRIBUTION, Check
from synthgen.fidelity.tolerance import NOISE_SIGMAS, severity
from synthgen.predict import (
    ATTACHMENT_KINDS,
    attachment_type,
    attachment_type_shares,
    attachments_per_message_mean,
    attachments_per_message_shares,
    content_share,
    hour_of_week_shares,
    latency_cdf_in_window,
    lognormal_clipped_cdf,
    lognormal_rounded_cdf,
    message_type_shares,
)
from synthgen.spec_model import Spec

if TYPE_CHECKING:
    import duckdb

HOUR_OF_WEEK_TV = "time.hour_of_week_tv"
MESSAGE_TYPE_TV = "distance.message_type_tv"
ATTACHMENT_TYPE_TV = "distance.attachment_type_tv"
CONTENT_LENGTH_KS = "distance.content_length_ks"
READ_LATENCY_KS = "distance.read_latency_ks"
ATTACHMENT_SIZE_KS = "distance.attachment_size_ks"
"""Prefix: one check per kind, ``distance.attachment_size_ks.image`` …"""
ATTACHMENTS_PER_MESSAGE_TV = "distance.attachments_per_message_tv"
BASES: dict[str, str] = {HOUR_OF_WEEK_TV: "hour_of_week_tv", MESSAGE_TYPE_TV: "message_type_tv",
                         ATTACHMENT_TYPE_TV: "attachment_type_tv",
                         CONTENT_LENGTH_KS: "content_length_ks",
                         READ_LATENCY_KS: "read_latency_ks",
                         ATTACHMENT_SIZE_KS: "attachment_size_ks",
                         ATTACHMENTS_PER_MESSAGE_TV: "attachments_per_message_tv"}
"""Each distance's declared band (x ``--tolerance``, on top of the sampling noise): a field of
the spec's ``tolerance`` section, where its reason is written (``spec.tolerance``)."""


def base(spec: Spec, name: str) -> float:
    """The declared band of distance ``name`` from the spec's tolerance section.

    >>> base(Spec(), MESSAGE_TYPE_TV)
    0.02
    """
    return float(getattr(spec.tolerance, BASES[name]))


KS_ALPHA = 1e-4
"""Level of the KS critical value: about that of the 4 sd the other bands allow."""


def total_variation(p: Sequence[float], q: Sequence[float]) -> float:
    """Total-variation distance between two distributions on the same buckets, in [0, 1].

    >>> total_variation([0.5, 0.5], [1.0, 0.0]), total_variation([0.2, 0.8], [0.2, 0.8])
    (0.5, 0.0)
    """
    return 0.5 * sum(abs(a - b) for a, b in zip(p, q, strict=True))


def tv_noise(shares: Sequence[float], n: int, fano: float) -> tuple[float, float]:
    """(mean, sd) of the TV distance of ``n`` observations drawn from ``shares`` to ``shares``,
    with bucket variances inflated by ``fano``.

    >>> m, s = tv_noise([0.5, 0.5], 100, 1.0)
    >>> round(m, 4), round(s, 4)
    (0.0399, 0.0301)
    """
    if n <= 0:
        return 0.0, 0.0
    sds = [math.sqrt(fano * p * (1 - p) / n) for p in shares]
    mean = 0.5 * math.sqrt(2 / math.pi) * sum(sds)
    sd = 0.5 * math.sqrt(2 * (1 - 2 / math.pi) * sum(s * s for s in sds))
    return mean, sd


def hour_of_week_check(grid: Sequence[Sequence[int]], spec: Spec, band: Band,
                       scale: float, calendar_fano: float) -> Check:
    """The hour-of-week TV distance against the spec's calendar, judged.

    ``grid`` is the report's hour-of-week plot: 7 rows (Monday first) of 24 hourly counts.
    """
    counts = [int(c) for row in grid for c in row]
    n = sum(counts)
    want = hour_of_week_shares(spec.time, band.window_start, band.window_days)
    got = [c / n for c in counts] if n else [math.nan] * 168
    tv = total_variation(got, want) if n else math.inf
    mean, sd = tv_noise(want, band.messages, calendar_fano)
    declared = base(spec, HOUR_OF_WEEK_TV)
    band_abs = declared * scale + mean + NOISE_SIGMAS * sd
    return Check(name=HOUR_OF_WEEK_TV, kind=DISTRIBUTION, target=0.0,
                 achieved=tv if math.isfinite(tv) else None, severity=severity(tv, band_abs),
                 deviation=tv, band=band_abs, level=None, source="spec", spec_target=0.0, n=n,
                 detail=f"TV over 168 hour-of-week buckets; band {declared:g}"
                        f" x{scale:g} + noise {mean:.3f} + {NOISE_SIGMAS:g} x {sd:.4f} "
                        f"(Poisson x Fano {calendar_fano:g}, n={band.messages:,})")


def mix_tv(counts: Mapping[str, int], want: Mapping[str, float]) -> tuple[float, int]:
    """(TV distance, n) of observed category counts to expected shares; a category missing
    from ``want`` is expected at share 0 and one missing from ``counts`` was observed 0 times.

    >>> mix_tv({"A": 25, "B": 75}, {"A": 0.5, "B": 0.5}), mix_tv({"C": 5}, {"A": 1.0})
    ((0.25, 100), (1.0, 5))
    """
    n = sum(counts.values())
    if n <= 0:
        return math.inf, 0
    keys = sorted(set(counts) | set(want))
    return (total_variation([counts.get(k, 0) / n for k in keys],
                            [want.get(k, 0.0) for k in keys]), n)


def mix_check(name: str, counts: Mapping[str, int], want: Mapping[str, float],
              n_expected: float, declared: float, scale: float, what: str) -> Check:
    """TV of a categorical mix against the spec's shares, judged against 0 with its declared
    band x ``scale`` plus the multinomial noise of ``n_expected`` independent draws."""
    tv, n = mix_tv(counts, want)
    mean, sd = tv_noise(list(want.values()), int(round(n_expected)), 1.0)
    band_abs = declared * scale + mean + NOISE_SIGMAS * sd
    return Check(name=name, kind=DISTRIBUTION, target=0.0,
                 achieved=tv if math.isfinite(tv) else None, severity=severity(tv, band_abs),
                 deviation=tv, band=band_abs, level=None, source="spec", spec_target=0.0, n=n,
                 detail=f"TV over {what}; band {declared:g} x{scale:g} + noise "
                        f"{mean:.4f} + {NOISE_SIGMAS:g} x {sd:.4f} (multinomial, "
                        f"n={int(round(n_expected)):,})")


def message_type_check(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band,
                       scale: float) -> Check:
    """The message-type mix (TEXT and the media types) against the spec's, from ``msg``."""
    counts = {str(t): int(c) for t, c in
              con.execute("SELECT type, count(*) FROM msg GROUP BY ALL").fetchall()}
    return mix_check(MESSAGE_TYPE_TV, counts, message_type_shares(spec), band.messages,
                     base(spec, MESSAGE_TYPE_TV), scale, "message types")


def attachment_type_check(plot: Mapping[str, Any], spec: Spec, band: Band,
                          scale: float) -> Check:
    """The attachment-type mix against ``media.type_mix``, from the report's type plot."""
    counts = {str(t): int(c) for t, c in zip(plot["types"], plot["counts"], strict=True)}
    n_expected = band.messages * attachments_per_message_mean(spec)
    return mix_check(ATTACHMENT_TYPE_TV, counts, attachment_type_shares(spec), n_expected,
                     base(spec, ATTACHMENT_TYPE_TV), scale, "attachment types")


def attachments_per_message_check(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band,
                                  scale: float) -> Check:
    """The mix of attachments per message (0, 1, 2 .. several_max) against the spec's.

    Media ratio and the attachment kinds are shares: every attachment written twice, or two
    on every media message, leaves both in band and the attachments table (and every join
    to it) twice its size. Each message draws its count, so the noise is multinomial over
    the band's messages. Messages with none are the messages less those with any (``msg``).
    Attachments are grouped by the 64-bit hash of their message id (8 bytes a key in the
    hash table instead of the id: staging has 21M attachments): two messages whose ids share
    a hash would count as one, a 2^-64 chance per pair that moves the TV by 2 / messages.
    """
    counts = {str(k): int(c) for k, c in con.execute("""
        SELECT k, count(*) FROM (SELECT count(*) AS k FROM attachments
                                 GROUP BY hash("messageId")) GROUP BY k""").fetchall()}
    row = con.execute("SELECT count(*) FROM msg").fetchone()
    counts["0"] = max(0, int(row[0] if row else 0) - sum(counts.values()))
    want = {str(k): v for k, v in attachments_per_message_shares(spec).items()}
    return mix_check(ATTACHMENTS_PER_MESSAGE_TV, counts, want, band.messages,
                     base(spec, ATTACHMENTS_PER_MESSAGE_TV), scale, "attachments per message")


def ks_critical(n: int, alpha: float = KS_ALPHA) -> float:
    """Asymptotic one-sample KS critical value at level ``alpha`` for ``n`` observations.

    >>> round(ks_critical(10_000, 0.05), 4)
    0.0136
    """
    return math.sqrt(-math.log(alpha / 2) / 2) / math.sqrt(n) if n > 0 else math.inf


def ks_discrete(values: Sequence[int], counts: Sequence[int],
                cdf: Callable[[int], float]) -> tuple[float, int]:
    """(KS statistic, n) of integer observations, given as distinct ``values`` (ascending)
    and their ``counts``, against a CDF ``cdf(k) = P(X <= k)`` with jumps only at integers.

    Between two observed values the empirical CDF is flat and the spec's only rises, so the
    sup is at an observed value or just below the next one (``cdf(next - 1)``).

    >>> ks_discrete([1, 2], [1, 1], lambda k: 0.0 if k < 1 else 0.5 if k < 2 else 1.0)
    (0.0, 2)
    >>> ks_discrete([3], [4], lambda k: 0.0 if k < 1 else 0.5 if k < 2 else 1.0)
    (1.0, 4)
    """
    n = sum(counts)
    if n <= 0:
        return math.inf, 0
    worst, seen = 0.0, 0
    for v, c in zip(values, counts, strict=True):
        worst = max(worst, abs(cdf(v - 1) - seen / n))  # just below v: empirical still flat
        seen += c
        worst = max(worst, abs(cdf(v) - seen / n))
    return worst, n


def content_length_check(con: duckdb.DuckDBPyConnection, spec: Spec, band: Band,
                         scale: float) -> Check:
    """KS of the content length (characters, messages with content) against the spec's."""
    rows = con.execute("""
        SELECT chars, sum(k) FROM content_len WHERE chars > 0
        GROUP BY chars ORDER BY chars""").fetchall()
    d = spec.content.length
    ks, n = ks_discrete([int(r[0]) for r in rows], [int(r[1]) for r in rows],
                        lambda k: lognormal_rounded_cdf(d, k))
    n_expected = int(round(band.messages * content_share(spec)))
    crit = ks_critical(n_expected)
    band_abs = base(spec, CONTENT_LENGTH_KS) * scale + crit
    return Check(name=CONTENT_LENGTH_KS, kind=DISTRIBUTION, target=0.0,
                 achieved=ks if math.isfinite(ks) else None, severity=severity(ks, band_abs),
                 deviation=ks, band=band_abs, level=None, source="spec", spec_target=0.0, n=n,
                 detail=f"KS against the rounded, clipped log-normal at every integer length; "
                        f"band {base(spec, CONTENT_LENGTH_KS):g} x{scale:g} + KS critical "
                        f"{crit:.4f} (alpha {KS_ALPHA:g}, n={n_expected:,})")


def read_latency_check(plot: Mapping[str, Any], spec: Spec, band: Band,
                       scale: float) -> Check:
    """KS of the read latency on the report's CDF grid against the spec's mixture, cut at
    the window's end."""
    seconds = [float(x) for x in plot["seconds"]]
    within = [int(x) for x in plot["within"]]
    n = int(plot["n"])
    want = latency_cdf_in_window(spec.reads.latency, seconds, band.window_days * 86_400.0)
    ks = max(abs(w / n - f) for w, f in zip(within, want, strict=True)) if n else math.inf
    n_expected = int(band.messages * spec.reads.read_rate)
    crit = ks_critical(n_expected)
    band_abs = base(spec, READ_LATENCY_KS) * scale + crit
    return Check(name=READ_LATENCY_KS, kind=DISTRIBUTION, target=0.0,
                 achieved=ks if math.isfinite(ks) else None, severity=severity(ks, band_abs),
                 deviation=ks, band=band_abs, level=None, source="spec", spec_target=0.0, n=n,
                 detail=f"KS at {len(seconds)} latency points against the mixture read "
                        f"within the window; band {base(spec, READ_LATENCY_KS):g} x{scale:g} + "
                        f"KS critical {crit:.4f} (alpha {KS_ALPHA:g}, n={n_expected:,})")


def attachment_size_checks(grid: Mapping[str, Mapping[str, Any]], spec: Spec, band: Band,
                           scale: float) -> list[Check]:
    """KS of each kind's attachment size on the grid against the spec's clipped log-normal."""
    out = []
    shares = attachment_type_shares(spec)
    per_message = attachments_per_message_mean(spec)
    for kind in ATTACHMENT_KINDS:
        t = attachment_type(kind)
        d = getattr(spec.media.size_kb, kind)
        g = grid.get(t, {"edges_kb": [], "below": [], "n": 0})
        n = int(g["n"])
        ks = (max(abs(b / n - lognormal_clipped_cdf(d, e))
                  for e, b in zip(g["edges_kb"], g["below"], strict=True)) if n else math.inf)
        n_expected = int(round(band.messages * per_message * shares[t]))
        crit = ks_critical(n_expected)
        band_abs = base(spec, ATTACHMENT_SIZE_KS) * scale + crit
        out.append(Check(
            name=f"{ATTACHMENT_SIZE_KS}.{kind}", kind=DISTRIBUTION, target=0.0,
            achieved=ks if math.isfinite(ks) else None, severity=severity(ks, band_abs),
            deviation=ks, band=band_abs, level=None, source="spec", spec_target=0.0, n=n,
            detail=f"KS at {len(g['edges_kb'])} sizes from {d.min:g} to {d.max:g} KB against "
                   f"the clipped log-normal (mu {d.mu:g}, sigma {d.sigma:g}); band "
                   f"{base(spec, ATTACHMENT_SIZE_KS):g} x{scale:g} + KS critical {crit:.4f} "
                   f"(alpha {KS_ALPHA:g}, n={n_expected:,})"))
    return out
