"""What the sampler measures: every histogram, mix, quantile set and scalar, by export name.

Edges are fixed and public (shared with the fidelity gate through ``synthgen.metrics``);
labels are the app's enum values or fixed names. Sources are the CTEs of ``sources``.
"""

from __future__ import annotations

from synthgen.metrics import (
    BURSTINESS_MIN_MESSAGES,
    CONTENT_LENGTH_EDGES,
    LATENCY_EDGES_S,
    MESSAGES_PER_CONVERSATION_EDGES,
    SIZE_CLASSES,
)
from synthgen.predict import ATTACHMENT_KINDS, attachment_type
from synthgen.sample.queries import Cat, Hist, Measure, Quant, Scalar
from synthgen.sample.sources import HEAVY_ROOM_MIN_MESSAGES, PROFILE_FIELDS
from synthgen.schema import ENUMS


def finite(edges: tuple[float, ...]) -> tuple[float, ...]:
    """Lower bounds of the buckets: the shared edges without a trailing infinity."""
    return tuple(e for e in edges if e != float("inf"))


SIZE_CLASS_EDGES: tuple[float, ...] = (0.0,) + tuple(float(lo) for lo, _ in SIZE_CLASSES.values())
SIZE_CLASS_LABELS: tuple[str, ...] = ("under_2", *SIZE_CLASSES)
MEMBER_EDGES: tuple[float, ...] = (2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, 101, 257, 1001)
GAP_EDGES_S: tuple[float, ...] = (0, 1, 10, 60, 300, 1_800, 3_600, 6 * 3_600, 86_400, 7 * 86_400)
ATTACHMENTS_PER_MESSAGE_EDGES: tuple[float, ...] = (0, 1, 2, 3, 5)
USERNAME_LENGTH_EDGES: tuple[float, ...] = tuple(float(i) for i in range(1, 32))
PROFILE_FIELDS_EDGES: tuple[float, ...] = tuple(float(i) for i in range(len(PROFILE_FIELDS) + 1))
HOUR_OF_WEEK_EDGES: tuple[float, ...] = tuple(float(i) for i in range(168))

CLASS_TYPE_LABELS: tuple[str, ...] = tuple(
    f"{c}__{t}" for c in SIZE_CLASS_LABELS for t in ENUMS["ConversationType"])
_CLASS_TYPE = ("(CASE " + " ".join(
    f"WHEN members >= {lo} AND members < {hi} THEN '{c}'" for c, (lo, hi) in SIZE_CLASSES.items())
    + " ELSE 'under_2' END) || '__' || ty")


def group_ids(edges: tuple[float, ...], group_edges: tuple[float, ...]) -> tuple[int, ...]:
    """Group of each bucket: the coarse bucket its lower edge falls in.

    >>> group_ids((2, 3, 4, 21, 31), (0, 2, 3, 21))
    (1, 2, 2, 3, 3)
    """
    return tuple(sum(1 for g in group_edges if g <= e) - 1 for e in edges)


ATTACHMENT_TYPES: tuple[str, ...] = tuple(attachment_type(k) for k in ATTACHMENT_KINDS)
BODY_PROBS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
COUNT_PROBS = (0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
SIZE_PROBS = (0.1, 0.25, 0.5, 0.75, 0.9)
SKEW_PROBS = (0.25, 0.5, 0.75)


_PER_CONV_CV = ("(SELECT c, stddev_pop(g) / nullif(avg(g), 0) AS v FROM gp GROUP BY c "
                f"HAVING count(*) >= {BURSTINESS_MIN_MESSAGES - 1}) x")


def _gini(src: str) -> str:
    return (f"SELECT 2 * sum(i * v) / nullif(max(n) * sum(v), 0) - (max(n) + 1) / max(n), "
            f"max(n) FROM (SELECT v, row_number() OVER (ORDER BY v)::float8 AS i, "
            f"count(*) OVER ()::float8 AS n FROM {src}) r")


def _top_share(src: str, share: float) -> str:
    # Entities = the size of the top group, so a top-1% share needs 100 k users to publish.
    return (f"SELECT sum(v) FILTER (WHERE i > n - ceil({share} * n)) / nullif(sum(v), 0), "
            f"ceil({share} * max(n)) FROM (SELECT v, row_number() OVER (ORDER BY v)::float8 AS i, "
            f"count(*) OVER ()::float8 AS n FROM {src}) r")


_FLOOR = HEAVY_ROOM_MIN_MESSAGES

# Per-member read coverage in heavy rooms: reads by members of other members' messages /
# (messages x other members), over conversations above the heavy floor in the window. Its
# entities are the fewer of the heavy rooms and the distinct readers behind it (no reader:
# 1, so "nobody read anything" in a few rooms is never published).
HEAVY_ROOM_READS = ("(SELECT count(*) AS reads, count(DISTINCT rd.u) AS readers FROM rd "
                    f"JOIN cu USING (c, u) JOIN aconv USING (c) WHERE aconv.n >= {_FLOOR})")
HEAVY_ROOM_PAIRS = ("(SELECT sum(aconv.n * greatest(aconv.members - 1, 0)) AS pairs, "
                    f"count(*) AS rooms FROM aconv WHERE aconv.n >= {_FLOOR})")
HEAVY_ROOM_COVERAGE_SQL = (
    "SELECT k.reads::float8 / nullif(p.pairs, 0), least(p.rooms, greatest(k.readers, 1)) "
    f"FROM {HEAVY_ROOM_READS} k, {HEAVY_ROOM_PAIRS} p")

MEASURES: tuple[Measure, ...] = (
    # population (coarsened by the privacy layer; entities are the counts themselves)
    Scalar("population.users", "SELECT count(*), count(*) FROM us"),
    Scalar("population.active_senders", "SELECT count(*), count(*) FROM per_sender"),
    Scalar("population.active_conversations", "SELECT count(*), count(*) FROM conv"),
    Scalar("population.messages", "SELECT count(*), count(DISTINCT u) FROM wm"),
    Scalar("population.attachments", "SELECT count(*), count(DISTINCT u) FROM wa"),
    Scalar("population.reads", "SELECT count(*), count(DISTINCT u) FROM rd"),
    # conversations
    Hist("conversation_size.classes", "aconv", "members", "c", SIZE_CLASS_EDGES),
    Hist("conversation_size.members", "aconv", "members", "c", MEMBER_EDGES,
         groups=group_ids(MEMBER_EDGES, SIZE_CLASS_EDGES)),
    Cat("conversation_type.by_size_class", "aconv", _CLASS_TYPE, "c", CLASS_TYPE_LABELS,
        groups=tuple(i // len(ENUMS["ConversationType"]) for i in range(len(CLASS_TYPE_LABELS)))),
    # messages per conversation
    Hist("messages_per_conversation.histogram", "conv", "n", "c",
         finite(MESSAGES_PER_CONVERSATION_EDGES),
         groups=group_ids(finite(MESSAGES_PER_CONVERSATION_EDGES), (0, HEAVY_ROOM_MIN_MESSAGES))),
    Quant("messages_per_conversation.quantiles", "conv", "n", "c", COUNT_PROBS),
    Scalar("heavy_rooms.count", f"SELECT count(*) FILTER (WHERE n >= {_FLOOR}), "
                                f"count(*) FILTER (WHERE n >= {_FLOOR}) FROM conv"),
    Scalar("heavy_rooms.traffic_share", f"SELECT coalesce(sum(n) FILTER (WHERE n >= {_FLOOR}), 0) / sum(n), "
                                        f"count(*) FILTER (WHERE n >= {_FLOOR}) FROM conv"),
    # content
    Hist("content_length.histogram", "wm WHERE clen > 0", "clen",
         "u", finite(CONTENT_LENGTH_EDGES)),
    Quant("content_length.quantiles", "wm WHERE clen > 0", "clen",
          "u", BODY_PROBS),
    # media
    Cat("message_type.mix", "wm", "ty", "u", ENUMS["MessageType"]),
    Hist("attachments_per_message.histogram", "apm", "v", "u", ATTACHMENTS_PER_MESSAGE_EDGES),
    Cat("attachment_type.mix", "wa", "ty", "u", ENUMS["AttachmentType"]),
    *(Quant(f"attachment_size_kb.{t.lower()}", f"wa WHERE ty = '{t}'", "kb", "u", SIZE_PROBS)
      for t in ATTACHMENT_TYPES),
    # time
    Hist("activity.hour_of_week", "hw", "v", "u", HOUR_OF_WEEK_EDGES),
    Scalar("time.hourly_peak_to_trough",
           "SELECT max(k)::float8 / nullif(min(k), 0), (SELECT count(DISTINCT u) FROM wm) FROM "
           "(SELECT h, count(wm.t) AS k FROM generate_series(0, 23) h "
           "LEFT JOIN wm ON extract(hour FROM wm.t) = h GROUP BY h) x"),
    # weekday_to_weekend is added by ``window_measures`` (it needs the window's whole days)
    Hist("burstiness.gap_histogram", "gp", "g", "c", GAP_EDGES_S),
    # burstiness as synthgen.metrics defines it: median per-conversation CV of the gaps over
    # conversations with enough messages (pooling gaps would measure rate differences)
    Scalar("burstiness.interarrival_cv",
           f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), count(*) FROM {_PER_CONV_CV}"),
    Scalar("burstiness.goh_barabasi",
           f"SELECT (m - 1) / (m + 1), n FROM (SELECT percentile_cont(0.5) WITHIN GROUP "
           f"(ORDER BY v) AS m, count(*) AS n FROM {_PER_CONV_CV}) y"),
    Quant("burstiness.per_conversation_cv",
          "(SELECT c, stddev_pop(g) / nullif(avg(g), 0) AS v FROM gp GROUP BY c "
          "HAVING count(*) >= 10) x", "v", "c", SKEW_PROBS),
    # receipts and reads: pairs are (message, member other than the sender)
    Scalar("reads.delivery_rate", "SELECT (SELECT count(*) FROM rc)::float8 / "
                                  "nullif(sum(greatest(members - 1, 0)), 0), "
                                  "(SELECT count(DISTINCT u) FROM rc) FROM wmm"),
    Scalar("reads.read_rate", "SELECT (SELECT count(*) FROM rd)::float8 / "
                              "nullif(sum(greatest(members - 1, 0)), 0), "
                              "(SELECT count(DISTINCT u) FROM rd) FROM wmm"),
    Scalar("reads.direct_read_rate", "SELECT (SELECT count(*) FROM rd JOIN aconv USING (c) "
                                     "WHERE aconv.members = 2)::float8 / nullif(count(*), 0), "
                                     "(SELECT count(DISTINCT u) FROM rd JOIN aconv USING (c) "
                                     "WHERE aconv.members = 2) FROM wmm WHERE members = 2"),
    Scalar("reads.heavy_room_member_coverage", HEAVY_ROOM_COVERAGE_SQL),
    Hist("read_latency.histogram", "rd", "lat", "u", finite(LATENCY_EDGES_S)),
    Quant("read_latency.quantiles_s", "rd", "lat", "u", (0.25, 0.5, 0.75, 0.9)),
    # who talks
    Scalar("skew.messages_per_sender_gini", _gini("per_sender")),
    Scalar("skew.messages_top10pct_sender_share", _top_share("per_sender", 0.1)),
    Scalar("skew.messages_top1pct_sender_share", _top_share("per_sender", 0.01)),
    Scalar("skew.memberships_per_user_gini", _gini("per_member")),
    Scalar("skew.memberships_top10pct_user_share", _top_share("per_member", 0.1)),
    Scalar("skew.memberships_top1pct_user_share", _top_share("per_member", 0.01)),
    Quant("skew.top_sender_share_in_groups", "sender_top", "v", "c", SKEW_PROBS),
    # users (all users, not windowed)
    Hist("users.username_length", "us", "ulen", "u", USERNAME_LENGTH_EDGES),
    Scalar("users.username_length_mean", "SELECT avg(ulen), count(*) FROM us"),
    Scalar("users.username_length_sd", "SELECT stddev_pop(ulen), count(*) FROM us"),
    Hist("users.profile_fields_set", "us", "pf", "u", PROFILE_FIELDS_EDGES),
    *(Scalar(f"users.profile_field_share.{f}", f"SELECT avg(f{i}), count(*) FROM us")
      for i, f in enumerate(PROFILE_FIELDS)),
)


def window_measures(window_days: int) -> tuple[Measure, ...]:
    """Measures that depend on the window length (the whole UTC days inside it)."""
    days = (f"generate_series((now() AT TIME ZONE 'UTC')::date - {int(window_days) - 1}, "
            f"(now() AT TIME ZONE 'UTC')::date - 1, '1 day')")
    per_day = (f"(SELECT d::date AS d, extract(isodow FROM d) >= 6 AS weekend, count(wm.t) AS k "
               f"FROM {days} d LEFT JOIN wm ON wm.t::date = d::date GROUP BY 1, 2) x")
    return (Scalar("time.weekday_to_weekend",
                   f"SELECT avg(k) FILTER (WHERE NOT weekend) / nullif(avg(k) FILTER (WHERE weekend), 0), "
                   f"(SELECT count(DISTINCT u) FROM wm) FROM {per_day}"),)
