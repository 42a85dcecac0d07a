"""The distribution spec as frozen dataclasses: one field per parameter, each with a unit.

Field metadata carries the documentation (``doc``), the unit and the bounds the loader
enforces (``ge``, ``gt``, ``le``, ``lt``); ``checks()`` states the rules that involve more
than one field. ``synthgen.spec`` loads JSON into these classes and derives the JSON Schema
from them, so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def p(default: Any, doc: str, unit: str = "", **bounds: float) -> Any:
    """A spec parameter: default value, one-line meaning, unit and bounds."""
    meta = {"doc": doc, "unit": unit, **bounds}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def sub(factory: Any, doc: str) -> Any:
    """A nested spec section."""
    return field(default_factory=factory, metadata={"doc": doc})


Problems = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class NormalClamped:
    """A normal distribution clamped to [min, max]."""

    mean: float = p(12.0, "mean", "characters", gt=0)
    sd: float = p(4.0, "standard deviation", "characters", gt=0)
    min: int = p(3, "lower clamp", "characters", ge=1)
    max: int = p(30, "upper clamp", "characters", ge=1)

    def checks(self) -> Problems:
        return [("min", f"must be <= max ({self.max}), got {self.min}")] if self.min > self.max else []


@dataclass(frozen=True, slots=True)
class LogNormalClipped:
    """exp(Normal(mu, sigma)) clipped to [min, max]."""

    mu: float = p(4.5, "mean of the logarithm", "log units")
    sigma: float = p(1.2, "standard deviation of the logarithm", "log units", gt=0)
    min: float = p(1.0, "lower clip", "", ge=0)
    max: float = p(5000.0, "upper clip", "", gt=0)

    def checks(self) -> Problems:
        return [("min", f"must be <= max ({self.max}), got {self.min}")] if self.min > self.max else []


def _ln(mu: float, sigma: float, lo: float, hi: float) -> Any:
    return field(default_factory=lambda: LogNormalClipped(mu, sigma, lo, hi),
                 metadata={"doc": "log-normal size in KB, clipped"})


@dataclass(frozen=True, slots=True)
class Beta:
    """A Beta(alpha, beta) distribution on [0, 1]."""

    alpha: float = p(2.0, "first shape parameter", "", gt=0)
    beta: float = p(5.0, "second shape parameter", "", gt=0)


@dataclass(frozen=True, slots=True)
class UsersSpec:
    """Who the users are and how unequal their activity is."""

    username_length: NormalClamped = sub(NormalClamped, "username length distribution")
    profile_completeness: Beta = sub(Beta, "share of optional profile fields a user fills")
    activity_sigma: float = p(1.2, "log-normal sigma of per-user activity weight; "
                              "drives memberships per user and sending", "log units", ge=0)
    online_share: float = p(0.05, "share of users online now", "share", ge=0, le=1)
    inactive_share: float = p(0.02, "share of deactivated users", "share", ge=0, le=1)
    history_days: int = p(730, "users sign up at most this long before the window", "days", ge=1)
    email_domains: list[str] = p(["example.com", "chat.test", "users.invalid"],
                                 "reserved e-mail domains (RFC 2606 / 6761 only)")


@dataclass(frozen=True, slots=True)
class SizeMix:
    """Shares of conversations by member count class."""

    direct: float = p(0.70, "one-to-one conversations (2 members)", "share", ge=0, le=1)
    small_group: float = p(0.25, "small groups", "share", ge=0, le=1)
    large_group: float = p(0.05, "large groups", "share", ge=0, le=1)

    def checks(self) -> Problems:
        total = self.direct + self.small_group + self.large_group
        return [("", f"shares must sum to 1, got {total:.6g}")] if abs(total - 1) > 1e-6 else []


@dataclass(frozen=True, slots=True)
class SmallGroup:
    """Small groups: min_members + Geometric(p) - 1, truncated at max_members."""

    min_members: int = p(3, "fewest members", "members", ge=3)
    max_members: int = p(20, "most members", "members", ge=3)
    geometric_p: float = p(0.3, "success probability of the geometric tail", "", gt=0, le=1)

    def checks(self) -> Problems:
        if self.min_members > self.max_members:
            return [("min_members", f"must be <= max_members ({self.max_members}), "
                                    f"got {self.min_members}")]
        return []


@dataclass(frozen=True, slots=True)
class LargeGroup:
    """Large groups: discrete power law P(k) ~ k^-alpha on [min_members, max_members]."""

    min_members: int = p(21, "fewest members", "members", ge=3)
    max_members: int = p(256, "most members", "members", ge=3)
    power_law_alpha: float = p(2.5, "power-law exponent", "", gt=1)

    def checks(self) -> Problems:
        if self.min_members > self.max_members:
            return [("min_members", f"must be <= max_members ({self.max_members}), "
                                    f"got {self.min_members}")]
        return []


@dataclass(frozen=True, slots=True)
class ConversationsSpec:
    """Conversation sizes and flags."""

    size_mix: SizeMix = sub(SizeMix, "conversation size classes")
    small_group: SmallGroup = sub(SmallGroup, "small group sizes")
    large_group: LargeGroup = sub(LargeGroup, "large group sizes")
    channel_share: float = p(0.2, "share of large groups typed CHANNEL", "share", ge=0, le=1)
    inactive_share: float = p(0.03, "share of archived conversations", "share", ge=0, le=1)


@dataclass(frozen=True, slots=True)
class PerConversation:
    """Messages per conversation over all conversations (heavy rooms included).

    The organic (non-heavy) body is a log-normal solved so that the whole distribution has
    this median and 95th percentile.
    """

    median: float = p(15.0, "median messages per conversation", "messages", ge=1)
    p95: float = p(500.0, "95th percentile of messages per conversation", "messages", ge=1)
    cap: int = p(50000, "no conversation has more messages than this", "messages", ge=1)

    def checks(self) -> Problems:
        if self.p95 <= self.median:
            return [("p95", f"must be > median ({self.median}), got {self.p95}")]
        return []


@dataclass(frozen=True, slots=True)
class HeavyRooms:
    """Heavy rooms: an exact share of conversations with at least min_messages each."""

    share: float = p(0.02, "share of conversations that are heavy rooms", "share", ge=0, lt=1)
    min_messages: int = p(10000, "floor of messages in each heavy room", "messages", ge=1)


@dataclass(frozen=True, slots=True)
class CountTargets:
    """Targets that follow from the band, not forced: spec check reports what is achievable."""

    p99: float = p(5000.0, "99th percentile", "messages", gt=0)
    heavy_traffic_share: float = p(0.30, "share of all messages in the heavy rooms", "share",
                                   ge=0, le=1)


@dataclass(frozen=True, slots=True)
class MessagesSpec:
    """How many messages each conversation has, who sends them, and their flags."""

    per_conversation: PerConversation = sub(PerConversation, "organic messages per conversation")
    heavy_rooms: HeavyRooms = sub(HeavyRooms, "heavy rooms")
    targets: CountTargets = sub(CountTargets, "distribution targets reported by spec check")
    sender_skew: float = p(1.0, "Zipf exponent of sending over a conversation's members "
                           "(0 = uniform)", "", ge=0)
    reply_share: float = p(0.05, "share of messages replying to an earlier one", "share", ge=0, le=1)
    edited_share: float = p(0.03, "share of text messages edited (a media message or a deleted "
                            "one never is)", "share", ge=0, le=1)
    deleted_share: float = p(0.01, "share of messages soft-deleted", "share", ge=0, le=1)
    correlation_share: float = p(0.3, "share of messages with a correlationId", "share", ge=0, le=1)
    metadata_share: float = p(0.2, "share of text messages with jsonb metadata "
                              "(media messages always have it)", "share", ge=0, le=1)


@dataclass(frozen=True, slots=True)
class ContentSpec:
    """Message text: synthetic words with a log-normal length."""

    length: LogNormalClipped = sub(LogNormalClipped, "content length in characters")
    caption_share: float = p(0.3, "share of media messages with a caption (a deleted message "
                             "has no content)", "share", ge=0, le=1)


@dataclass(frozen=True, slots=True)
class AttachmentCount:
    """Attachments per message; 1 - none is the media (non-TEXT) share."""

    none: float = p(0.85, "messages without attachment", "share", ge=0, le=1)
    one: float = p(0.12, "messages with exactly one", "share", ge=0, le=1)
    several: float = p(0.03, "messages with 2..several_max", "share", ge=0, le=1)
    several_max: int = p(4, "most attachments on one message", "attachments", ge=2)

    def checks(self) -> Problems:
        total = self.none + self.one + self.several
        return [("", f"shares must sum to 1, got {total:.6g}")] if abs(total - 1) > 1e-6 else []


@dataclass(frozen=True, slots=True)
class TypeMix:
    """Attachment type shares."""

    image: float = p(0.65, "images", "share", ge=0, le=1)
    video: float = p(0.15, "videos", "share", ge=0, le=1)
    document: float = p(0.12, "documents", "share", ge=0, le=1)
    audio: float = p(0.08, "audio", "share", ge=0, le=1)

    def checks(self) -> Problems:
        total = self.image + self.video + self.document + self.audio
        return [("", f"shares must sum to 1, got {total:.6g}")] if abs(total - 1) > 1e-6 else []


@dataclass(frozen=True, slots=True)
class SizeKb:
    """Attachment size in KB per type."""

    image: LogNormalClipped = _ln(5.5, 1.2, 50, 8000)
    video: LogNormalClipped = _ln(8.0, 1.5, 500, 50000)
    document: LogNormalClipped = _ln(5.0, 1.0, 10, 5000)
    audio: LogNormalClipped = _ln(6.0, 1.3, 50, 10000)


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """Attachments on media messages."""

    attachments_per_message: AttachmentCount = sub(AttachmentCount, "attachments per message")
    type_mix: TypeMix = sub(TypeMix, "attachment types")
    size_kb: SizeKb = sub(SizeKb, "attachment sizes")


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """When messages are sent: daily and weekly cycles, season, bursts."""

    diurnal_peak_to_trough: float = p(2.5, "busiest hour / quietest hour", "ratio", ge=1)
    peak_hours_utc: list[list[int]] = p([[9, 12], [18, 21]],
                                        "peak windows as [start, end) hours UTC")
    weekday_to_weekend: float = p(1.4, "weekday traffic / weekend traffic per day", "ratio", gt=0)
    seasonal_amplitude: float = p(0.2, "relative amplitude of a yearly cosine (0 = none)", "share",
                                  ge=0, lt=1)
    interarrival_cv: float = p(2.5, "coefficient of variation of gaps between messages inside a "
                               "conversation (Poisson = 1)", "ratio", ge=1)

    def checks(self) -> Problems:
        out: Problems = []
        for i, w in enumerate(self.peak_hours_utc):
            if len(w) != 2 or not 0 <= w[0] < w[1] <= 24:
                out.append((f"peak_hours_utc[{i}]", f"must be [start, end) with 0 <= start < end "
                                                    f"<= 24, got {w}"))
        return out


@dataclass(frozen=True, slots=True)
class Immediate:
    """Reads within max_seconds."""

    share: float = p(0.35, "share of read messages", "share", ge=0, le=1)
    max_seconds: float = p(30.0, "uniform upper bound", "seconds", gt=0)


@dataclass(frozen=True, slots=True)
class NearTerm:
    """Reads after an exponential delay."""

    share: float = p(0.40, "share of read messages", "share", ge=0, le=1)
    mean_minutes: float = p(45.0, "mean delay", "minutes", gt=0)


@dataclass(frozen=True, slots=True)
class Delayed:
    """Reads after a log-normal delay in minutes."""

    share: float = p(0.15, "share of read messages", "share", ge=0, le=1)
    mu: float = p(6.5, "mean of log(minutes)", "log minutes")
    sigma: float = p(1.8, "sd of log(minutes)", "log minutes", gt=0)


@dataclass(frozen=True, slots=True)
class Latency:
    """Read latency mixture; shares are normalised over messages that are read."""

    immediate: Immediate = sub(Immediate, "within seconds")
    near_term: NearTerm = sub(NearTerm, "within the hour")
    delayed: Delayed = sub(Delayed, "hours to days")

    def checks(self) -> Problems:
        total = self.immediate.share + self.near_term.share + self.delayed.share
        return [("", "latency shares must not all be 0")] if total <= 0 else []


@dataclass(frozen=True, slots=True)
class ReadsSpec:
    """Delivery and read receipts."""

    delivery_rate: float = p(0.95, "share of (message, recipient) pairs delivered", "share",
                             ge=0, le=1)
    read_rate: float = p(0.82, "share of (message, recipient) pairs read", "share", ge=0, le=1)
    latency: Latency = sub(Latency, "time from message to read")
    max_recipients: int = p(1, "recipients per message that get receipts/reads "
                            "(caps fan-out in big rooms)", "members", ge=1)

    def checks(self) -> Problems:
        if self.read_rate > self.delivery_rate:
            return [("read_rate", f"must be <= delivery_rate ({self.delivery_rate}), "
                                  f"got {self.read_rate}")]
        return []


@dataclass(frozen=True, slots=True)
class TablesSpec:
    """Optional tables (a band can switch the big fan-out tables off)."""

    message_reads: bool = p(True, "generate message_reads")
    message_receipts: bool = p(True, "generate message_receipts")
    attachments: bool = p(True, "generate attachments")


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    """Relative frequency of the app's hot statements (gate 2 weights and the workload replay).

    Weights are relative (they need not sum to 1); ``shares()`` normalises them. Reads are
    the catalogue's Q1, Q1b, Q3, Q4, Q6; writes are Q2 (message insert) and Q5 (receipt
    upsert). A weight of 0 leaves that statement out of the weighted verdict.
    """

    q1: float = p(20.0, "Q1 message history, newest 50 (opening a conversation)", "weight", ge=0)
    q1b: float = p(4.0, "Q1b message history, newest 100 (scrolling back)", "weight", ge=0)
    q3: float = p(20.0, "Q3 a user's conversation list by updatedAt (app open, inbox refresh)",
                  "weight", ge=0)
    q4: float = p(20.0, "Q4 unread count of a member in a conversation (one per listed room)",
                  "weight", ge=0)
    q6: float = p(8.0, "Q6 presence of a conversation's active members", "weight", ge=0)
    q2: float = p(9.0, "Q2 message insert with its unique idempotencyKey", "weight", ge=0)
    q5: float = p(19.0, "Q5 receipt upsert (DELIVERED / READ per recipient)", "weight", ge=0)

    def shares(self) -> dict[str, float]:
        """Each statement's share of the mix, keyed by catalogue name (Q1, Q1b, ...)."""
        raw = {"Q1": self.q1, "Q1b": self.q1b, "Q2": self.q2, "Q3": self.q3, "Q4": self.q4,
               "Q5": self.q5, "Q6": self.q6}
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()}

    def checks(self) -> Problems:
        total = self.q1 + self.q1b + self.q3 + self.q4 + self.q6 + self.q2 + self.q5
        return [("", f"weights must have a positive total, got {total:.6g}")] if total <= 0 else []


@dataclass(frozen=True, slots=True)
class ToleranceSpec:
    """Declared bands of gate 1's whole-distribution distances, each with its reason.

    A distance is judged against 0 with this base (times ``--tolerance``) plus the noise a
    correct dataset of the band's size shows (computed from the spec and band, see
    ``synthgen.fidelity.distances``). The reason for each base is the drift it must catch.
    """

    read_fan_out_rel: float = p(
        0.15, "reads per message, overall and in heavy rooms (a relative band, not a "
        "distance): one recipient more or less per message moves it by at least "
        "1 / max_recipients (100% at the default 1, 17% at 6)", "relative deviation",
        ge=0, le=1)
    heavy_room_coverage_rel: float = p(
        0.3, "heavy-room member coverage (a relative band): what Q4's unread count sees; "
        "halving the heavy rooms' reads moves it 50%, a fan-out of 3 instead of 1 200%; "
        "relaxed because it also carries the heavy rooms' membership, whose seed-to-seed "
        "spread is added to it", "relative deviation", ge=0, le=1)
    hour_of_week_tv: float = p(
        0.03, "hour-of-week TV: 3% of the traffic in the wrong hours of the week is a calendar "
        "drift a query plan would notice (a flat day moves it 0.13, a 6-hour shift 0.21)",
        "TV distance", ge=0, le=1)
    message_type_tv: float = p(
        0.02, "message-type TV: half of what the +25% media drift moves it (0.0375)",
        "TV distance", ge=0, le=1)
    attachment_type_tv: float = p(
        0.03, "attachment-kind TV: a fifth of video's 15% share in the wrong kind",
        "TV distance", ge=0, le=1)
    content_length_ks: float = p(
        0.03, "content-length KS: under half of what content +25% moves it (0.07 on ci), a "
        "third of what sigma x1.5 at the same median moves it (0.10)", "KS distance", ge=0, le=1)
    read_latency_ks: float = p(
        0.03, "read-latency KS: latency x3 moves it 0.26", "KS distance", ge=0, le=1)
    attachment_size_ks: float = p(
        0.03, "attachment-size KS per kind: sizes x2 move it 0.21-0.28, image sigma x1.5 at "
        "the same median 0.10 (ci)", "KS distance", ge=0, le=1)
    messages_per_conversation_ks: float = p(
        0.03, "messages-per-conversation KS against spec check's reference CDF: the body "
        "reshaped between p50 and p95 at fixed p50/p95 (messages moved to the organic top) "
        "moves it 0.21, a body doubled 0.14 (ci)", "KS distance", ge=0, le=1)
    memberships_per_user_ks: float = p(
        0.03, "memberships-per-user KS against spec check's reference CDF: members redrawn "
        "uniformly over users at the same conversation sizes (no heavy-tailed activity) "
        "moves it 0.22 (ci)", "KS distance", ge=0, le=1)
    interarrival_gap_ks: float = p(
        0.03, "KS of the gaps between a conversation's consecutive messages against spec "
        "check's reference CDF: evenly spaced messages over the same spans move it 0.45, "
        "Poisson ones 0.18 (ci)", "KS distance", ge=0, le=1)
    column_share_rel: float = p(
        0.15, "how often a message's optional columns and flags are set (reply, deleted, "
        "edited, metadata, correlationId, caption; a relative band): the planner's null "
        "fraction of each column; replies, deletions or edits doubled or gone move it 100%",
        "relative deviation", ge=0, le=1)
    attachments_per_message_tv: float = p(
        0.02, "attachments-per-message TV (0, 1, 2 .. several_max): every attachment written "
        "twice moves it 0.15, the 'several' share doubled 0.03", "TV distance", ge=0, le=1)
    message_status_tv: float = p(
        0.02, "message-status TV (derived from the read and delivery rates: reported, does "
        "not vote): as the message-type mix, 2% of messages in the wrong status",
        "TV distance", ge=0, le=1)


@dataclass(frozen=True, slots=True)
class Spec:
    """The whole distribution spec (version 1)."""

    version: int = p(1, "spec format version", ge=1, le=1)
    users: UsersSpec = sub(UsersSpec, "users")
    conversations: ConversationsSpec = sub(ConversationsSpec, "conversations")
    messages: MessagesSpec = sub(MessagesSpec, "messages")
    content: ContentSpec = sub(ContentSpec, "message content")
    media: MediaSpec = sub(MediaSpec, "attachments")
    time: TimeSpec = sub(TimeSpec, "time structure")
    reads: ReadsSpec = sub(ReadsSpec, "receipts and reads")
    tables: TablesSpec = sub(TablesSpec, "optional tables")
    workload: WorkloadSpec = sub(WorkloadSpec, "relative frequency of the app's hot statements")
    tolerance: ToleranceSpec = sub(ToleranceSpec, "declared bands of gate 1's distances")
