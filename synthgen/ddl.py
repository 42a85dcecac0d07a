"""PostgreSQL DDL for the app's seven tables ("phase 1": what the app has today).

Generated from ``synthgen.schema`` so the Parquet files and the database can never drift;
the same SQL ships as readable files in ``synthgen/sql/`` (``tests/test_ddl.py`` keeps them
identical).
Names follow Prisma's conventions (``messages_pkey``, ``users_email_key``,
``messages_conversationId_createdAt_idx``, ``messages_senderId_fkey``) because the app's
real database uses them. Tables are created bare; keys, foreign keys and indexes are added
after the data is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import ENUMS, TABLES


@dataclass(frozen=True, slots=True)
class Index:
    """A secondary (non-unique) index the app has today."""

    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.table}_{'_'.join(self.columns)}_idx"


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """A foreign key; ON DELETE CASCADE unless set_null."""

    table: str
    column: str
    ref_table: str
    set_null: bool = False

    @property
    def name(self) -> str:
        return f"{self.table}_{self.column}_fkey"


UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "users": (("email",), ("username",)),
    "conversations": (),
    "conversation_users": (("userId", "conversationId"),),
    "messages": (("conversationId", "id"), ("idempotencyKey",)),
    "message_reads": (("userId", "messageId"),),
    "message_receipts": (("messageId", "userId", "state"),),
    "attachments": (),
}

FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    ForeignKey("conversations", "creatorId", "users"),
    ForeignKey("conversation_users", "userId", "users"),
    ForeignKey("conversation_users", "conversationId", "conversations"),
    ForeignKey("messages", "senderId", "users"),
    ForeignKey("messages", "conversationId", "conversations"),
    ForeignKey("messages", "replyToId", "messages", set_null=True),
    ForeignKey("message_reads", "userId", "users"),
    ForeignKey("message_reads", "messageId", "messages"),
    ForeignKey("message_receipts", "messageId", "messages"),
    ForeignKey("message_receipts", "userId", "users"),
    ForeignKey("attachments", "uploaderId", "users"),
    ForeignKey("attachments", "messageId", "messages"),
)

INDEXES: tuple[Index, ...] = (
    Index("users", ("isOnline", "lastSeenAt")),
    Index("conversations", ("updatedAt",)),
    Index("conversations", ("type", "isActive")),
    Index("conversations", ("creatorId",)),
    Index("conversation_users", ("userId", "conversationId")),
    Index("conversation_users", ("conversationId", "isActive")),
    Index("conversation_users", ("userId", "isActive")),
    Index("messages", ("conversationId", "createdAt")),
    Index("messages", ("senderId",)),
    Index("messages", ("threadId",)),
    Index("messages", ("replyToId",)),
    Index("messages", ("type", "isDeleted")),
    Index("messages", ("idempotencyKey",)),
    Index("messages", ("correlationId",)),
    Index("message_reads", ("messageId",)),
    Index("message_reads", ("userId",)),
    Index("message_receipts", ("messageId",)),
    Index("message_receipts", ("userId",)),
    Index("message_receipts", ("state",)),
    Index("attachments", ("messageId",)),
    Index("attachments", ("uploaderId",)),
    Index("attachments", ("type",)),
)


def _cols(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def enum_sql(schema: str) -> list[str]:
    """CREATE TYPE statements for the enums."""
    return [f"CREATE TYPE {qualified(schema, name)} AS ENUM "
            f"({', '.join(repr(v) for v in values)})" for name, values in ENUMS.items()]


_TRUE_FLAGS = {"isActive", "allowDirectMessages", "showOnlineStatus", "allowMemberAdd",
               "allowFileSharing"}
_NOW = {"createdAt", "joinedAt", "readAt", "timestamp", "lastWeeklyReset"}
_ENUM_DEFAULTS = {("users", "profileVisibility"): "PUBLIC", ("messages", "type"): "TEXT",
                  ("messages", "status"): "SENT", ("conversation_users", "role"): "MEMBER",
                  ("conversations", "type"): "DIRECT_MESSAGE", ("attachments", "type"): "OTHER"}


def _default(schema: str, table: str, name: str, pg: str, enum: str | None) -> str:
    """The app's column default (Prisma @default), as a DDL fragment."""
    if enum and (table, name) in _ENUM_DEFAULTS:
        return f" DEFAULT '{_ENUM_DEFAULTS[table, name]}'::{quote_ident(schema)}.{quote_ident(enum)}"
    if name in _NOW:
        return " DEFAULT CURRENT_TIMESTAMP"
    if pg == "boolean":
        return " DEFAULT true" if name in _TRUE_FLAGS else " DEFAULT false"
    if pg == "integer" and name in {"anonymousPostsToday", "weeklyPushesUsed"}:
        return " DEFAULT 0"
    return ""


def table_sql(schema: str, table: str) -> str:
    """CREATE TABLE for one bare table with the app's defaults; keys come after the load."""
    lines = []
    for c in TABLES[table]:
        pg = f"{quote_ident(schema)}.{quote_ident(c.enum)}" if c.enum else c.pg
        null = "" if c.nullable else " NOT NULL"
        lines.append(f"    {quote_ident(c.name)} {pg}{null}{_default(schema, table, c.name, c.pg, c.enum)}")
    return f"CREATE TABLE {qualified(schema, table)} (\n" + ",\n".join(lines) + "\n)"


def create_sql(schema: str) -> list[str]:
    """Everything before the data: schema, enums, bare tables."""
    return [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}", *enum_sql(schema),
            *(table_sql(schema, t) for t in TABLES)]


def key_sql(schema: str, table: str) -> list[str]:
    """Primary key and unique constraints of one table."""
    out = [f"ALTER TABLE {qualified(schema, table)} ADD CONSTRAINT "
           f"{quote_ident(table + '_pkey')} PRIMARY KEY ({quote_ident('id')})"]
    for cols in UNIQUE[table]:
        name = f"{table}_{'_'.join(cols)}_key"
        out.append(f"ALTER TABLE {qualified(schema, table)} ADD CONSTRAINT {quote_ident(name)} "
                   f"UNIQUE ({_cols(cols)})")
    return out


def foreign_key_sql(schema: str, fk: ForeignKey) -> str:
    """One foreign key constraint."""
    action = "SET NULL" if fk.set_null else "CASCADE"
    return (f"ALTER TABLE {qualified(schema, fk.table)} ADD CONSTRAINT {quote_ident(fk.name)} "
            f"FOREIGN KEY ({quote_ident(fk.column)}) REFERENCES "
            f"{qualified(schema, fk.ref_table)} ({quote_ident('id')}) "
            f"ON DELETE {action} ON UPDATE CASCADE")


def index_sql(schema: str, index: Index) -> str:
    """One phase-1 secondary index."""
    return (f"CREATE INDEX {quote_ident(index.name)} ON {qualified(schema, index.table)} "
            f"({_cols(index.columns)})")


def post_load_sql(schema: str) -> list[str]:
    """Everything after the data: keys, foreign keys, phase-1 indexes (in that order)."""
    return [*(s for t in TABLES for s in key_sql(schema, t)),
            *(foreign_key_sql(schema, fk) for fk in FOREIGN_KEYS),
            *(index_sql(schema, i) for i in INDEXES)]


def render(statements: list[str]) -> str:
    """Statements as a readable SQL file."""
    return "".join(f"{s};\n\n" for s in statements)
