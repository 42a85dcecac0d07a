"""A small chat dataset built in SQL (generate_series), with heavy-tailed conversation sizes.

Phase-1 DDL from ``synthgen.ddl``; rows from ``setseed`` + ``random()`` (deterministic in one
session); then the app's keys and indexes and ANALYZE, as a load would leave them.
"""

from __future__ import annotations

from typing import Any

from synthgen import ddl
from synthgen.pg.sql import quote_ident


def build_sql(schema: str, *, users: int = 300, conversations: int = 400,
              messages: int = 30_000) -> list[str]:
    """The statements that create and fill one schema."""
    s = quote_ident(schema)
    t0 = "'2026-10-01'::timestamp"
    return [
        f"DROP SCHEMA IF EXISTS {s} CASCADE",
        *ddl.create_sql(schema),
        "SELECT setseed(0.4242)",
        f"""INSERT INTO {s}."users" ("id", "email", "username", "isActive", "anonymousPostsToday",
              "weeklyPushesUsed", "lastWeeklyReset", "allowDirectMessages", "showOnlineStatus",
              "profileVisibility", "isOnline", "lastSeenAt", "createdAt", "updatedAt")
            SELECT 'u' || i, 'u' || i || '@example.test', 'user' || i, true, 0, 0, {t0}, true,
                   random() < 0.8, 'PUBLIC', random() < 0.2, {t0} + random() * interval '30 days',
                   {t0}, {t0}
            FROM generate_series(0, {users - 1}) AS i""",
        f"""CREATE TEMP TABLE conv_size AS
            SELECT k, least(2 + floor(power(random(), 4) * 60)::int, {users}) AS members,
                   power(random(), 3) AS weight
            FROM generate_series(0, {conversations - 1}) AS k""",
        f"""INSERT INTO {s}."conversations" ("id", "type", "isActive", "allowMemberAdd",
              "allowFileSharing", "createdAt", "updatedAt", "creatorId")
            SELECT 'c' || k, CASE WHEN members = 2 THEN 'DIRECT_MESSAGE' ELSE 'GROUP_CHAT' END
                   ::{s}."ConversationType", true, true, true, {t0},
                   {t0} + random() * interval '30 days', 'u' || ((k * 7) % {users})
            FROM conv_size""",
        f"""INSERT INTO {s}."conversation_users" ("id", "role", "isActive", "isMuted", "joinedAt",
              "createdAt", "updatedAt", "userId", "conversationId")
            SELECT 'cu' || k || '_' || j, 'MEMBER', random() < 0.9, false, {t0}, {t0}, {t0},
                   'u' || ((k * 7 + j) % {users}), 'c' || k
            FROM conv_size, generate_series(0, members - 1) AS j""",
        # message i goes to conversation floor(C * u^3): a heavy head of busy rooms
        f"""INSERT INTO {s}."messages" ("id", "content", "type", "status", "isEdited",
              "isDeleted", "idempotencyKey", "createdAt", "updatedAt", "senderId",
              "conversationId")
            SELECT 'm' || i, repeat('x', 40 + (i % 200)), 'TEXT', 'SENT', false, random() < 0.02,
                   'k' || i, ts, ts, 'u' || ((c.k * 7 + (i % c.members)) % {users}), 'c' || c.k
            FROM (SELECT i, floor(power(random(), 3) * {conversations})::int AS k,
                         {t0} + random() * interval '30 days' AS ts
                  FROM generate_series(0, {messages - 1}) AS i) AS m
            JOIN conv_size AS c USING (k)""",
        f"""INSERT INTO {s}."message_reads" ("id", "readAt", "createdAt", "updatedAt", "userId",
              "messageId")
            SELECT 'r' || m."id", m."createdAt", m."createdAt", m."createdAt",
                   'u' || ((substr(m."conversationId", 2)::int * 7) % {users}), m."id"
            FROM {s}."messages" AS m
            WHERE random() < 0.5
              AND m."senderId" <> 'u' || ((substr(m."conversationId", 2)::int * 7) % {users})""",
        "DROP TABLE conv_size",
        *ddl.post_load_sql(schema),
        f"ANALYZE {s}.\"users\"", f"ANALYZE {s}.\"conversations\"",
        f"ANALYZE {s}.\"conversation_users\"", f"ANALYZE {s}.\"messages\"",
        f"ANALYZE {s}.\"message_reads\"",
    ]


def build(dsn: str, schema: str, **sizes: Any) -> None:
    """Create and fill ``schema`` on ``dsn`` (autocommit; one session for setseed)."""
    from synthgen.pg.connect import connect, execute

    conn = connect(dsn, autocommit=True)
    try:
        for sql in build_sql(schema, **sizes):
            execute(conn, sql)
    finally:
        conn.close()
