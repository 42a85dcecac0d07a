"""The app's seven chat tables as data: Arrow schemas and the PostgreSQL types that mirror them.

Column names are exactly the database's (quoted camelCase); Parquet files carry these names
so they load into the application's own tables unchanged. Enums travel as plain Arrow
strings: the PostgreSQL side casts them (binary COPY cannot take dictionary<string_view>).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TEXT = pa.string()
TS = pa.timestamp("ms")
BOOL = pa.bool_()
INT = pa.int32()

ENUMS: dict[str, tuple[str, ...]] = {
    "ProfileVisibility": ("PUBLIC", "CONNECTIONS_ONLY", "CLOSE_FRIENDS_ONLY", "PRIVATE"),
    "ConversationType": ("DIRECT_MESSAGE", "GROUP_CHAT", "CHANNEL"),
    "ConversationUserRole": ("MEMBER", "ADMIN", "OWNER"),
    "MessageType": ("TEXT", "IMAGE", "FILE", "AUDIO", "VIDEO", "LOCATION", "SYSTEM"),
    "MessageStatus": ("SENT", "DELIVERED", "READ", "DELETED"),
    "ReceiptState": ("SENT", "DELIVERED", "READ"),
    "AttachmentType": ("IMAGE", "VIDEO", "AUDIO", "DOCUMENT", "OTHER"),
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its database name, Arrow type, PostgreSQL type and nullability."""

    name: str
    arrow: pa.DataType
    pg: str
    nullable: bool = False
    enum: str | None = None


def _c(name: str, arrow: pa.DataType, pg: str, nullable: bool = False) -> Column:
    return Column(name, arrow, pg, nullable)


def _e(name: str, enum: str, nullable: bool = False) -> Column:
    return Column(name, TEXT, enum, nullable, enum)


def _id(name: str = "id", nullable: bool = False) -> Column:
    return _c(name, TEXT, "text", nullable)


def _ts(name: str, nullable: bool = False) -> Column:
    return _c(name, TS, "timestamp(3)", nullable)


def _b(name: str) -> Column:
    return _c(name, BOOL, "boolean")


def _t(name: str, nullable: bool = False) -> Column:
    return _c(name, TEXT, "text", nullable)


def _i(name: str, nullable: bool = False) -> Column:
    return _c(name, INT, "integer", nullable)


TABLES: dict[str, tuple[Column, ...]] = {
    "users": (
        _id(), _t("email"), _t("username"), _t("firstName", True), _t("lastName", True),
        _t("bio", True), _t("profileImageUrl", True), _b("isActive"),
        _i("anonymousPostsToday"), _i("weeklyPushesUsed"), _ts("lastAnonymousPostDate", True),
        _ts("lastWeeklyReset"), _b("allowDirectMessages"), _b("showOnlineStatus"),
        _e("profileVisibility", "ProfileVisibility"), _b("isOnline"), _ts("lastSeenAt", True),
        _t("typingIn", True), _ts("createdAt"), _ts("updatedAt"), _ts("lastLoginAt", True),
    ),
    "conversations": (
        _id(), _t("name", True), _t("description", True), _e("type", "ConversationType"),
        _t("avatarUrl", True), _b("isActive"), _b("allowMemberAdd"), _b("allowFileSharing"),
        _i("maxMembers", True), _ts("lastMessageAt", True), _id("lastMessageId", True),
        _ts("createdAt"), _ts("updatedAt"), _id("creatorId"),
    ),
    "conversation_users": (
        _id(), _e("role", "ConversationUserRole"), _b("isActive"), _b("isMuted"),
        _ts("mutedUntil", True), _ts("joinedAt"), _ts("leftAt", True), _ts("lastReadAt", True),
        _id("lastReadMessageId", True), _ts("createdAt"), _ts("updatedAt"), _id("userId"),
        _id("conversationId"),
    ),
    "messages": (
        _id(), _t("content", True), _e("type", "MessageType"), _e("status", "MessageStatus"),
        _b("isEdited"), _ts("editedAt", True), _b("isDeleted"), _ts("deletedAt", True),
        _id("replyToId", True), _id("threadId", True), _c("metadata", TEXT, "jsonb", True),
        _t("idempotencyKey"), _t("correlationId", True), _ts("createdAt"), _ts("updatedAt"),
        _id("senderId"), _id("conversationId"),
    ),
    "message_reads": (
        _id(), _ts("readAt"), _ts("createdAt"), _ts("updatedAt"), _id("userId"), _id("messageId"),
    ),
    "message_receipts": (
        _id(), _e("state", "ReceiptState"), _ts("timestamp"), _ts("createdAt"), _ts("updatedAt"),
        _id("messageId"), _id("userId"),
    ),
    "attachments": (
        _id(), _t("filename"), _t("originalName"), _t("mimeType"), _i("size"), _t("url"),
        _t("thumbnailUrl", True), _e("type", "AttachmentType"), _i("width", True),
        _i("height", True), _i("duration", True), _ts("createdAt"), _ts("updatedAt"),
        _id("uploaderId"), _id("messageId", True),
    ),
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
"""Load order: every foreign key points to a table earlier in this tuple (or to itself)."""


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of one table, in the database's column order."""
    return pa.schema([pa.field(c.name, c.arrow, nullable=c.nullable) for c in TABLES[table]])


def column(table: str, name: str) -> Column:
    """Look up one column by table and name."""
    for c in TABLES[table]:
        if c.name == name:
            return c
    raise KeyError(f"{table}.{name}")
