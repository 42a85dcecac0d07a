"""Shared names and fixed bucket edges of the shape metrics.

The fidelity gate (``synthgen validate``), the production sampler (``synthgen sample``),
calibration and ``spec check`` all speak about the same metrics by these names, and bucket
data on these public, data-independent edges (so a histogram label can never leak a value).
"""

from __future__ import annotations

# Read latency buckets, seconds from message createdAt to readAt: [edge_i, edge_i+1).
LATENCY_EDGES_S: tuple[float, ...] = (0, 30, 300, 3_600, 6 * 3_600, 86_400, float("inf"))

# Content length buckets, characters: [edge_i, edge_i+1).
CONTENT_LENGTH_EDGES: tuple[float, ...] = (1, 10, 30, 100, 300, 1_000, 5_001)

# Messages per conversation buckets: [edge_i, edge_i+1).
MESSAGES_PER_CONVERSATION_EDGES: tuple[float, ...] = (
    0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_001)

# Conversation size classes by member count (inclusive lower bound, exclusive upper).
SIZE_CLASSES: dict[str, tuple[int, int]] = {
    "direct": (2, 3), "small_group": (3, 21), "large_group": (21, 1_000_000)}

# Per-conversation burstiness needs enough gaps to be estimated without a large bias
# (pooling gaps across conversations of different rates would measure rate differences).
BURSTINESS_MIN_MESSAGES = 100

METRICS: dict[str, str] = {
    "conversation_size.direct_share": "share of conversations with 2 members",
    "conversation_size.small_group_share": "share of conversations with 3-20 members",
    "conversation_size.large_group_share": "share of conversations with 21+ members",
    "messages_per_conversation.p50": "median messages per conversation",
    "messages_per_conversation.p95": "95th percentile of messages per conversation",
    "messages_per_conversation.p99": "99th percentile of messages per conversation",
    "heavy_rooms.count": "conversations with at least the heavy-room floor of messages",
    "heavy_rooms.traffic_share": "share of all messages in heavy rooms",
    "content_length.mean": "mean content length of messages with content, characters",
    "content_length.median": "median content length of messages with content, characters",
    "media.ratio": "share of messages that are not TEXT",
    "attachment_type.image_share": "share of attachments typed IMAGE",
    "attachment_type.video_share": "share of attachments typed VIDEO",
    "attachment_type.document_share": "share of attachments typed DOCUMENT",
    "attachment_type.audio_share": "share of attachments typed AUDIO",
    "attachment_size_kb.image_median": "median IMAGE attachment size, KB",
    "attachment_size_kb.video_median": "median VIDEO attachment size, KB",
    "attachment_size_kb.document_median": "median DOCUMENT attachment size, KB",
    "attachment_size_kb.audio_median": "median AUDIO attachment size, KB",
    "time.hourly_peak_to_trough": "messages in the busiest UTC hour of day / the quietest",
    "time.weekday_to_weekend": "mean messages per weekday / mean per weekend day",
    "burstiness.interarrival_cv": "median, over conversations with at least "
                                  "BURSTINESS_MIN_MESSAGES messages, of the coefficient of "
                                  "variation of gaps between consecutive messages",
    "burstiness.goh_barabasi": "B = (cv - 1) / (cv + 1) of that median cv",
    "reads.delivery_rate": "delivered (message, recipient) pairs / pairs",
    "reads.read_rate": "read (message, recipient) pairs / pairs",
    "read_latency.immediate_share": "share of reads within 30 s",
    "read_latency.within_1h_share": "share of reads within 1 hour",
    "read_latency.over_6h_share": "share of reads after more than 6 hours",
}

READ_FAN_OUT: dict[str, str] = {
    "reads.per_message": "reads / messages",
    "reads.heavy_room_per_message": "reads in heavy rooms / messages in heavy rooms (rooms "
                                    "with at least the heavy-room floor of messages)",
    "reads.heavy_room_member_coverage": "reads by members in heavy rooms / (messages x other "
                                        "members) there: the share of (message, member) "
                                        "pairs Q4's unread count sees as read",
}
"""The read fan-out, measured beside METRICS by gate 1 (``synthgen.fidelity.reads``) against
targets spec check resolves over independent plans (``synthgen.generate.fan_out``)."""

COLUMN_SHARES: dict[str, str] = {
    "messages.reply_share": "share of messages with a replyToId",
    "messages.deleted_share": "share of messages soft-deleted (isDeleted)",
    "messages.edited_share": "share of messages edited (isEdited)",
    "messages.metadata_share": "share of messages with metadata",
    "messages.correlation_share": "share of messages with a correlationId",
    "messages.caption_share": "share of media (non-TEXT) messages with content",
    "conversations.channel_share": "share of large groups typed CHANNEL",
}
"""How often a message's optional columns and flags are set (the planner's null fractions),
and how many large groups are channels,
measured beside METRICS by gate 1 (``synthgen.fidelity.columns``) against closed forms of the
spec (``synthgen.predict.message_column_shares``)."""
