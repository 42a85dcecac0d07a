"""The row sets the sampler aggregates over, as SQL common table expressions.

The one measuring statement starts with this ``WITH`` list; a CTE that several branches
reference is materialized once, so each table is read once (the window's messages included). The window is
``[now() - window_days, now())`` in UTC (the app stores UTC ``timestamp(3)`` without time
zone). Nothing here selects a value into the client: the CTEs only feed aggregates.
"""

from __future__ import annotations

from synthgen.pg.sql import check_schema_name, qualified

# The heavy-room floor is a public constant (the spec's default), never a data-derived value.
HEAVY_ROOM_MIN_MESSAGES = 10_000

# Optional profile fields counted by profile completeness (users table, nullable text).
PROFILE_FIELDS: tuple[str, ...] = ("firstName", "lastName", "bio", "profileImageUrl")

# attachments.size is stored in bytes; the spec speaks in KB.
BYTES_PER_KB = 1024.0


def with_clause(schema: str, window_days: int) -> str:
    """The shared ``WITH`` list for one schema and window (both validated here)."""
    check_schema_name(schema)
    if not isinstance(window_days, int) or isinstance(window_days, bool) or window_days < 1:
        raise ValueError(f"window_days must be a positive integer, got {window_days!r}")

    def t(name: str) -> str:
        return qualified(schema, name)

    now = "(now() AT TIME ZONE 'UTC')"
    filled = " + ".join(f'("{f}" IS NOT NULL)::int' for f in PROFILE_FIELDS)
    flags = ", ".join(f'("{f}" IS NOT NULL)::int::float8 AS f{i}' for i, f in enumerate(PROFILE_FIELDS))
    return f"""WITH
wm AS (
  SELECT m.id, m."conversationId" AS c, m."senderId" AS u, m."createdAt" AS t,
         m.type::text AS ty, char_length(m.content)::float8 AS clen
  FROM {t("messages")} m
  WHERE m."createdAt" >= {now} - make_interval(days => {window_days})
    AND m."createdAt" < {now}),
conv AS (SELECT c, count(*)::float8 AS n FROM wm GROUP BY c),
cu AS (SELECT "conversationId" AS c, "userId" AS u FROM {t("conversation_users")}),
mem AS (SELECT c, count(*)::float8 AS members FROM cu WHERE c IN (SELECT c FROM conv) GROUP BY 1),
aconv AS (
  SELECT conv.c, conv.n, coalesce(mem.members, 0) AS members, k.type::text AS ty
  FROM conv LEFT JOIN mem USING (c) LEFT JOIN {t("conversations")} k ON k.id = conv.c),
wmm AS (SELECT wm.*, aconv.members FROM wm JOIN aconv USING (c)),
wa AS (
  SELECT a.type::text AS ty, a.size::float8 / {BYTES_PER_KB} AS kb, a."uploaderId" AS u,
         a."messageId" AS mid
  FROM {t("attachments")} a JOIN wm ON wm.id = a."messageId"),
apm AS (
  SELECT wm.u, count(wa.mid)::float8 AS v
  FROM wm LEFT JOIN wa ON wa.mid = wm.id GROUP BY wm.id, wm.u),
rd AS (
  SELECT r."userId" AS u, wm.c, extract(epoch FROM r."readAt" - wm.t)::float8 AS lat
  FROM {t("message_reads")} r JOIN wm ON wm.id = r."messageId"
  WHERE r."userId" <> wm.u),
rc AS (
  SELECT DISTINCT r."messageId", r."userId" AS u
  FROM {t("message_receipts")} r JOIN wm ON wm.id = r."messageId"
  WHERE r.state::text IN ('DELIVERED', 'READ') AND r."userId" <> wm.u),
gaps AS (
  SELECT c, extract(epoch FROM t - lag(t) OVER (PARTITION BY c ORDER BY t))::float8 AS g
  FROM wm),
gp AS (SELECT c, g FROM gaps WHERE g IS NOT NULL),
hw AS (
  SELECT u, ((extract(isodow FROM t) - 1) * 24 + extract(hour FROM t))::float8 AS v FROM wm),
per_sender AS (SELECT u, count(*)::float8 AS v FROM wm GROUP BY u),
per_member AS (SELECT u, count(*)::float8 AS v FROM cu GROUP BY 1),
us AS (
  SELECT id AS u, char_length(username)::float8 AS ulen, ({filled})::float8 AS pf,
         {flags}
  FROM {t("users")}),
sender_top AS (
  SELECT c, max(k) / sum(k) AS v FROM (
    SELECT wmm.c, count(*)::float8 AS k FROM wmm WHERE wmm.members >= 3 GROUP BY wmm.c, wmm.u
  ) s GROUP BY c HAVING sum(k) >= 20)
"""
