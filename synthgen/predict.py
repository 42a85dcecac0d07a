"""What the spec predicts: analytic values of its distributions, pure functions of Spec objects.

The fidelity gate's targets, calibration's "predicted" column and the report's spec curves
all come from here, so they cannot drift apart. Generation draws from the same distributions
(``synthgen.generate``); this module only computes what those draws should look like.
"""

from __future__ import annotations

import datetime as dt
import math

from synthgen.spec_model import (
    LargeGroup,
    Latency,
    LogNormalClipped,
    MediaSpec,
    SmallGroup,
    Spec,
    TimeSpec,
)

Z75 = 0.6744897501960817
"""Standard normal quantile at 0.75 (a log-normal's quartiles are exp(mu -+ Z75 sigma))."""
Z95 = 1.6448536269514722
"""Standard normal quantile at 0.95."""

ATTACHMENT_KINDS: tuple[str, ...] = ("image", "video", "document", "audio")
"""The attachment kinds the spec describes, in the order of ``media.type_mix`` and
``media.size_kb``; each kind's AttachmentType enum value is its upper-case name."""


def attachment_type(kind: str) -> str:
    """The AttachmentType enum value of a spec attachment kind.

    >>> attachment_type("document")
    'DOCUMENT'
    """
    return kind.upper()


def type_share(media: MediaSpec, kind: str) -> float:
    """The spec's share of attachments of one kind.

    >>> type_share(MediaSpec(), "video")
    0.15
    """
    share: float = getattr(media.type_mix, kind)
    return share


def size_kb(media: MediaSpec, kind: str) -> LogNormalClipped:
    """The spec's size distribution (KB) of one attachment kind.

    >>> size_kb(MediaSpec(), "image").max
    8000
    """
    dist: LogNormalClipped = getattr(media.size_kb, kind)
    return dist


def media_ratio(spec: Spec) -> float:
    """Share of messages with at least one attachment (the non-TEXT share).

    >>> round(media_ratio(Spec()), 6)
    0.15
    """
    return 1 - spec.media.attachments_per_message.none


def normal_cdf(x: float) -> float:
    """P(Z < x) for a standard normal Z.

    >>> normal_cdf(0.0), round(normal_cdf(Z95), 6)
    (0.5, 0.95)
    """
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def lognormal_clipped_cdf(d: LogNormalClipped, x: float) -> float:
    """P(X < x) for X = exp(N(mu, sigma)) clipped to [min, max] (the clips hold point masses).

    >>> d = LogNormalClipped(0.0, 1.0, 0.5, 5.0)
    >>> lognormal_clipped_cdf(d, 0.5), lognormal_clipped_cdf(d, 1.0), lognormal_clipped_cdf(d, 6)
    (0.0, 0.5, 1.0)
    """
    if x <= d.min:
        return 0.0
    if x > d.max:
        return 1.0
    return normal_cdf((math.log(x) - d.mu) / d.sigma)


def lognormal_clipped_shares(d: LogNormalClipped, edges: tuple[float, ...]) -> list[float]:
    """P(edge_i <= X < edge_i+1) for X = exp(N(mu, sigma)) clipped to [min, max].

    >>> [round(s, 3) for s in lognormal_clipped_shares(LogNormalClipped(0, 1, 0.5, 5), (0, 1, 10))]
    [0.5, 0.5]
    """
    return [lognormal_clipped_cdf(d, hi) - lognormal_clipped_cdf(d, lo)
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)]


def lognormal_clipped_median(d: LogNormalClipped) -> float:
    """Median of exp(N(mu, sigma)) clipped to [min, max]: clipping moves no mass across it.

    >>> round(lognormal_clipped_median(LogNormalClipped(4.5, 1.2, 1, 5000)), 3)
    90.017
    """
    return min(max(math.exp(d.mu), d.min), d.max)


def lognormal_clipped_mean(d: LogNormalClipped) -> float:
    """Mean of exp(N(mu, sigma)) clipped to [min, max], in closed form.

    >>> round(lognormal_clipped_mean(LogNormalClipped(0.0, 1e-9, 0.5, 5.0)), 6)
    1.0
    """
    mu, s = d.mu, d.sigma
    lo = math.log(d.min) if d.min > 0 else -math.inf
    hi = math.log(d.max)

    def z(v: float) -> float:
        return (v - mu) / s

    below = normal_cdf(z(lo)) if lo > -math.inf else 0.0
    above = 1 - normal_cdf(z(hi))
    m = math.exp(mu + s * s / 2)
    inside = m * (normal_cdf(z(hi) - s) - (normal_cdf(z(lo) - s) if lo > -math.inf else 0.0))
    return d.min * below + d.max * above + inside


def lognormal_clipped_sd(d: LogNormalClipped) -> float:
    """Standard deviation of exp(N(mu, sigma)) clipped to [min, max], in closed form.

    E[X^2] is the mean of the clipped log-normal of exp(2 N(mu, sigma)) = exp(N(2 mu, 2 sigma))
    clipped to [min^2, max^2].

    >>> round(lognormal_clipped_sd(LogNormalClipped(0.0, 1e-9, 0.5, 5.0)), 6)
    0.0
    >>> round(lognormal_clipped_sd(LogNormalClipped(0.0, 1.0, 1e-12, 1e12)), 3)
    2.161
    """
    second = lognormal_clipped_mean(LogNormalClipped(2 * d.mu, 2 * d.sigma, d.min ** 2,
                                                     d.max ** 2))
    return math.sqrt(max(second - lognormal_clipped_mean(d) ** 2, 0.0))


def lognormal_quartile_ratio(sigma: float) -> float:
    """p75 / p25 of a log-normal with this sigma (clipping aside).

    >>> round(lognormal_quartile_ratio(1.0), 4)
    3.8535
    """
    return math.exp(2 * Z75 * sigma)


def latency_component_cdfs(lat: Latency, seconds: float) -> tuple[float, float, float]:
    """P(latency < seconds) of each read-latency component: immediate (uniform), near-term
    (exponential) and delayed (log-normal in minutes); ``math.inf`` gives ones.

    >>> latency_component_cdfs(Latency(), 0.0)
    (0.0, 0.0, 0.0)
    >>> latency_component_cdfs(Latency(), math.inf)
    (1.0, 1.0, 1.0)
    """
    if seconds <= 0:
        return 0.0, 0.0, 0.0
    immediate = min(1.0, seconds / lat.immediate.max_seconds)
    near = 1 - math.exp(-seconds / (lat.near_term.mean_minutes * 60))
    minutes = seconds / 60  # 0.0 only when seconds is subnormal: the CDF's limit there is 0
    delayed = (normal_cdf((math.log(minutes) - lat.delayed.mu) / lat.delayed.sigma)
               if minutes > 0 else 0.0)
    return immediate, near, delayed


def latency_cdf(lat: Latency, seconds: float) -> float:
    """P(read latency < seconds) under the spec's mixture, normalised over read messages.

    >>> round(latency_cdf(Latency(), 30), 3)
    0.394
    """
    immediate, near, delayed = latency_component_cdfs(lat, seconds)
    total = lat.immediate.share + lat.near_term.share + lat.delayed.share
    return (lat.immediate.share * immediate + lat.near_term.share * near
            + lat.delayed.share * delayed) / total


def hour_of_week_shares(time: TimeSpec, start: dt.datetime, days: int) -> list[float]:
    """Expected share of messages in each of the 168 (Monday 00h .. Sunday 23h) UTC hours of
    the week over a window: the generator's calendar intensity integrated per bucket.

    >>> from synthgen.spec_model import TimeSpec
    >>> s = hour_of_week_shares(TimeSpec(), dt.datetime(2026, 10, 5), 7)
    >>> len(s), round(sum(s), 9), s[9] > s[3]
    (168, 1.0, True)
    """
    import numpy as np

    from synthgen.generate.timeline import MINUTES_PER_DAY, Timeline

    tl = Timeline(time, start, days)
    mass = np.diff(tl.to_u(np.arange(days * MINUTES_PER_DAY + 1) * 60_000.0))
    minute = np.arange(days * MINUTES_PER_DAY) + (start - dt.datetime(1970, 1, 1)).total_seconds(
        ) // 60
    hour = (minute // 60) % 24
    weekday = (minute // MINUTES_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    out = np.bincount((weekday * 24 + hour).astype(np.int64), weights=mass, minlength=168)
    return [float(x) for x in out / out.sum()]


def small_group_min_share(sg: SmallGroup) -> float:
    """Share of small groups at exactly ``min_members`` (a geometric truncated at the max).

    >>> round(small_group_min_share(SmallGroup(3, 4, 0.5)), 6)
    0.666667
    """
    p, span = sg.geometric_p, sg.max_members - sg.min_members + 1
    return p / (1 - (1 - p) ** span)


def large_group_share_below(lg: LargeGroup, members: int) -> float:
    """Share of large groups with fewer than ``members`` members (discrete power law).

    >>> round(large_group_share_below(LargeGroup(21, 40, 2.0), 31), 4)
    0.6639
    """
    import numpy as np

    ks = np.arange(lg.min_members, lg.max_members + 1, dtype=float)
    w = ks ** -lg.power_law_alpha
    return float(w[ks < members].sum() / w.sum())


MESSAGE_TYPE_OF_KIND: dict[str, str] = {"image": "IMAGE", "video": "VIDEO", "document": "FILE",
                                        "audio": "AUDIO"}
"""The MessageType of a media message whose first attachment is of this kind."""


def message_type_shares(spec: Spec) -> dict[str, float]:
    """Expected share of each MessageType: TEXT without attachment, else its first attachment's
    kind (drawn from ``media.type_mix``); the other enum values have share 0.

    >>> {t: round(s, 4) for t, s in message_type_shares(Spec()).items()}
    {'TEXT': 0.85, 'IMAGE': 0.0975, 'VIDEO': 0.0225, 'FILE': 0.018, 'AUDIO': 0.012}
    """
    media = media_ratio(spec)
    return {"TEXT": 1 - media, **{MESSAGE_TYPE_OF_KIND[k]: media * type_share(spec.media, k)
                                  for k in ATTACHMENT_KINDS}}


def attachment_type_shares(spec: Spec) -> dict[str, float]:
    """Expected share of each AttachmentType among attachments (``media.type_mix``).

    >>> attachment_type_shares(Spec())["DOCUMENT"]
    0.12
    """
    return {attachment_type(k): type_share(spec.media, k) for k in ATTACHMENT_KINDS}


def attachments_per_message_mean(spec: Spec) -> float:
    """Expected attachments per message: one, or uniform on 2..several_max.

    >>> round(attachments_per_message_mean(Spec()), 6)
    0.21
    """
    apm = spec.media.attachments_per_message
    return apm.one + apm.several * (2 + apm.several_max) / 2


def lognormal_rounded_cdf(d: LogNormalClipped, k: int) -> float:
    """P(L <= k) for the integer L = clip(rint(exp(N(mu, sigma))), min, max): the generator's
    content length (rint moves (k - 0.5, k + 0.5) onto k; the clips hold point masses).

    >>> d = LogNormalClipped(0.0, 1.0, 1, 5)
    >>> [round(lognormal_rounded_cdf(d, k), 4) for k in (0, 1, 5)]
    [0.0, 0.6574, 1.0]
    """
    if k < d.min:
        return 0.0
    if k >= d.max:
        return 1.0
    return normal_cdf((math.log(k + 0.5) - d.mu) / d.sigma)


def content_share(spec: Spec) -> float:
    """Expected share of messages with content: not deleted, and text or a captioned media.

    >>> round(content_share(Spec()), 4)
    0.8861
    """
    media = media_ratio(spec)
    return (1 - spec.messages.deleted_share) * (1 - media + media * spec.content.caption_share)


def message_column_shares(spec: Spec, messages: int, conversations: int
                          ) -> dict[str, tuple[float, int]]:
    """Expected share of messages with each optional column or flag set, and the messages it
    is a share of, for a band of ``messages`` over ``conversations`` (every conversation has
    at least one message). Each message draws its own flags, so a share is binomial over
    those messages.

    The generator draws each flag per message (``synthgen.generate.tables.messages``): a
    reply for any message but a conversation's first; deletion for any; an edit for a text
    message that is not deleted; metadata for every media message and a ``metadata_share`` of
    the text ones; a correlationId for any; a caption for a media message that is not
    deleted. The caption share is over media messages, the others over all messages.

    >>> {k: (round(v, 5), n) for k, (v, n) in
    ...  message_column_shares(Spec(), 60_000, 400).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'messages.reply_share': (0.04967, 60000), 'messages.deleted_share': (0.01, 60000),
     'messages.edited_share': (0.02525, 60000), 'messages.metadata_share': (0.32, 60000),
     'messages.correlation_share': (0.3, 60000), 'messages.caption_share': (0.297, 9000)}
    """
    ms = spec.messages
    media = media_ratio(spec)
    d = ms.deleted_share
    media_n = int(round(messages * media))
    return {
        "messages.reply_share": (ms.reply_share * max(0, messages - conversations) / messages
                                 if messages else 0.0, messages),
        "messages.deleted_share": (d, messages),
        "messages.edited_share": ((1 - d) * (1 - media) * ms.edited_share, messages),
        "messages.metadata_share": (media + (1 - media) * ms.metadata_share, messages),
        "messages.correlation_share": (ms.correlation_share, messages),
        "messages.caption_share": ((1 - d) * spec.content.caption_share, media_n),
    }


def attachments_per_message_shares(spec: Spec) -> dict[int, float]:
    """Expected share of messages with k attachments: none, one, or uniform on 2..several_max.

    >>> {k: round(v, 4) for k, v in attachments_per_message_shares(Spec()).items()}
    {0: 0.85, 1: 0.12, 2: 0.01, 3: 0.01, 4: 0.01}
    """
    apm = spec.media.attachments_per_message
    spread = apm.several / (apm.several_max - 1)
    return {0: apm.none, 1: apm.one, **dict.fromkeys(range(2, apm.several_max + 1), spread)}



def latency_cdf_in_window(lat: Latency, seconds: list[float], window_s: float,
                          points: int = 4096) -> list[float]:
    """P(read latency < x | the read falls inside the window) at each x of ``seconds``: a read
    later than the window's end is not recorded, so the observed latencies are the spec's
    mixture cut at the time R a message has left. R is taken uniform on [0, window_s]
    (sending time uniform over the window: the calendar's daily and weekly swings average out
    over whole weeks).

    >>> lat = Latency()
    >>> latency_cdf_in_window(lat, [30], 1e12)[0] - latency_cdf(lat, 30) < 1e-3
    True
    >>> latency_cdf_in_window(lat, [30], 86_400)[0] > latency_cdf(lat, 30)
    True
    """
    import numpy as np

    r = np.linspace(0.0, window_s, points + 1)[1:]
    f = np.array([latency_cdf(lat, float(x)) for x in r])
    kept = float(f.mean())
    return [float(np.minimum(f, latency_cdf(lat, x)).mean()) / kept if kept > 0 else 0.0
            for x in seconds]
