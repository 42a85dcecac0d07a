"""A throwaway "production" database full of realistic-looking PII, built with generate_series.

Its shapes differ on purpose from the default spec, so calibration has something to find:

- conversations: 50% direct / 40% small groups (geometric p=0.5) / 10% large (21-40 members)
- messages per conversation: log-normal, median ~10 (spec: 15)
- content length: log-normal mu=3.4, sigma=0.7 (spec: 4.5, 1.2)
- 25% media messages; attachments IMAGE 40 / VIDEO 30 / DOCUMENT 20 / AUDIO 10
- diurnal peak at 01-06 UTC (spec: 09-12 and 18-21); no weekday/weekend difference
- delivery 0.9, read 0.648; read latency mostly immediate
"""

from __future__ import annotations

from typing import Any

from synthgen.ddl import create_sql
from synthgen.pg.sql import quote_ident

FIRST = ("Jonathan", "Margaret", "Christopher", "Elizabeth", "Benjamin", "Catherine", "Alexander",
         "Samantha", "Nicholas", "Stephanie", "Gabriel", "Isabella", "Patrick", "Jacqueline",
         "Zachary", "Victoria", "Fatima", "Hiroshi", "Giuseppe", "Oliveira")
LAST = ("Thompson", "Rodriguez", "Henderson", "Kowalski", "Fitzgerald", "Martinez", "Schneider",
        "Richardson", "Gutierrez", "Nakamura", "Anderson", "Campbell", "Robinson", "Castillo",
        "Peterson", "Esposito")
STREETS = ("Baker Street", "Elm Avenue", "Maple Road", "Sunset Boulevard", "Oak Lane")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")

N_USERS = 400
N_CONVERSATIONS = 300
TRUE_SIZE_MIX = {"direct": 0.5, "small_group": 0.4, "large_group": 0.1}
PEAK_HOURS = (1, 6)  # [start, end) UTC


def _arr(items: tuple[str, ...]) -> str:
    return "(ARRAY[" + ", ".join(f"'{x}'" for x in items) + "])"


def _uid(expr: str) -> str:
    """Cuid-shaped user id of user number ``expr`` (1-based)."""
    return f"('c' || substr(md5('user' || ({expr})::text), 1, 24))"


def statements(schema: str) -> list[str]:
    s = quote_ident(schema)
    f, ln = _arr(FIRST), _arr(LAST)
    nf, nl = len(FIRST), len(LAST)
    name = (f"{f}[1 + (i * 7) % {nf}]", f"{ln}[1 + (i * 13) % {nl}]")
    email = (f"lower({name[0]}) || '.' || lower({name[1]}) || i || '@' || "
             f"{_arr(EMAIL_DOMAINS)}[1 + i % {len(EMAIL_DOMAINS)}]")
    phone = "'+1 (415) 555-' || lpad((1000 + i % 9000)::text, 4, '0')"
    address = f"(100 + i % 800)::text || ' ' || {_arr(STREETS)}[1 + i % {len(STREETS)}]"
    z = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"  # a standard normal draw
    return [
        "SET max_parallel_workers_per_gather = 0",
        "SELECT setseed(0.4242)",
        *create_sql(schema),
        f"""CREATE TEMP TABLE pii_users AS
            SELECT i, {_uid('i')} AS id, {name[0]} AS first, {name[1]} AS last,
                   {email} AS email, {phone} AS phone, {address} AS address,
                   sqrt(random()) AS pc
            FROM generate_series(1, {N_USERS}) i""",
        f"""INSERT INTO {s}.users (id, email, username, "firstName", "lastName", bio,
                "profileImageUrl", "updatedAt", "createdAt")
            SELECT id, email,
                   lower(first) || CASE WHEN i % 3 = 0 THEN '_' || lower(last) ELSE '' END || i,
                   CASE WHEN random() < pc THEN first END, CASE WHEN random() < pc THEN last END,
                   CASE WHEN random() < pc THEN 'Hi, I am ' || first || ' ' || last ||
                        '. Call me on ' || phone || ', I live at ' || address ||
                        ', see https://www.' || lower(last) || '-family.com' END,
                   CASE WHEN random() < pc THEN 'https://cdn.socialpix.net/avatars/' ||
                        lower(first) || '_' || lower(last) || '.jpg' END,
                   now(), now() - interval '400 days'
            FROM pii_users""",
        f"""CREATE TEMP TABLE pii_convs AS
            SELECT i, 'c' || substr(md5('conv' || i::text), 1, 24) AS id, m,
                   CASE WHEN m = 2 THEN 'DIRECT_MESSAGE'
                        WHEN m > 20 AND (i / 10) % 2 = 0 THEN 'CHANNEL' ELSE 'GROUP_CHAT' END AS type,
                   greatest(1, least(400, round(exp(2.3 + 1.1 * {z}))))::int AS n
            FROM (SELECT i, CASE WHEN i % 10 < 5 THEN 2
                       WHEN i % 10 < 9 THEN least(20, 3 + floor(ln(1 - random()) / ln(0.5))::int)
                       ELSE 21 + floor(19 * random() ^ 2)::int END AS m
                  FROM generate_series(1, {N_CONVERSATIONS}) i) x""",
        f"""INSERT INTO {s}.conversations (id, name, description, type, "updatedAt", "creatorId")
            SELECT c.id,
                   CASE WHEN c.m > 2 THEN 'Book club of ' || u.first || ' ' || u.last END,
                   CASE WHEN c.m > 2 THEN 'Join us at https://chat.whatsapp.com/invite/' ||
                        c.id || ' or call ' || u.phone END,
                   c.type::{s}."ConversationType", now(), u.id
            FROM pii_convs c JOIN pii_users u ON u.i = 1 + (c.i * 37) % {N_USERS}""",
        f"""CREATE TEMP TABLE pii_members AS
            SELECT c.id AS cid, c.i AS ci, j, 1 + (c.i * 37 + j * 101) % {N_USERS} AS ui
            FROM pii_convs c, generate_series(0, c.m - 1) j""",
        f"""INSERT INTO {s}.conversation_users (id, "updatedAt", "userId", "conversationId")
            SELECT 'c' || substr(md5('cu' || cid || ui::text), 1, 24), now(),
                   {_uid('ui')}, cid FROM pii_members""",
        f"""CREATE TEMP TABLE pii_msgs AS
            SELECT 'c' || substr(md5('msg' || c.id || k::text), 1, 24) AS id, c.id AS cid, c.i AS ci,
                   c.m, 1 + (c.i * 37 + floor(random() * c.m)::int * 101) % {N_USERS} AS sender,
                   date_trunc('day', now() AT TIME ZONE 'UTC') - (1 + floor(random() * 29)::int)
                     * interval '1 day'
                     + (CASE WHEN random() < 0.5
                             THEN {PEAK_HOURS[0]} + floor(random() * {PEAK_HOURS[1] - PEAK_HOURS[0]})
                             ELSE floor(random() * 24) END) * interval '1 hour'
                     + random() * interval '1 hour' AS t,
                   random() AS r_type, random() AS r_att,
                   least(5000, greatest(1, round(exp(3.4 + 0.7 * {z}))))::int AS len
            FROM pii_convs c, generate_series(1, c.n) k""",
        f"""INSERT INTO {s}.messages (id, content, type, "idempotencyKey", "createdAt", "updatedAt",
                "senderId", "conversationId")
            SELECT m.id,
                   CASE WHEN m.r_type >= 0.25 THEN left(repeat(u.first || ' ' || u.last ||
                        ' here, call ' || u.phone || ' or mail ' || u.email || ', I am at ' ||
                        u.address || ', map https://maps.google.com/?q=' || u.i || ' ', 60), m.len)
                   END,
                   (CASE WHEN m.r_type >= 0.25 THEN 'TEXT' WHEN m.r_type < 0.10 THEN 'IMAGE'
                         WHEN m.r_type < 0.175 THEN 'VIDEO' WHEN m.r_type < 0.225 THEN 'FILE'
                         ELSE 'AUDIO' END)::{s}."MessageType",
                   md5('idem' || m.id), m.t, m.t, u.id, m.cid
            FROM pii_msgs m JOIN pii_users u ON u.i = m.sender""",
        f"""INSERT INTO {s}.attachments (id, filename, "originalName", "mimeType", size, url,
                type, "updatedAt", "uploaderId", "messageId")
            SELECT 'c' || substr(md5('att' || m.id || a::text), 1, 24),
                   lower(u.first) || '_' || lower(u.last) || '_passport.jpg',
                   u.first || ' ' || u.last || ' passport scan.jpg', 'image/jpeg',
                   least(2000000000, 1024 * exp(CASE m.att_type WHEN 'IMAGE' THEN 6.2 WHEN 'VIDEO' THEN 9.0
                        WHEN 'DOCUMENT' THEN 4.5 ELSE 7.0 END + 0.8 * {z}))::int,
                   'https://s3.amazonaws.com/prod-uploads/' || u.email || '/' || a,
                   m.att_type::{s}."AttachmentType", now(), u.id, m.id
            FROM (SELECT *, CASE WHEN r_type < 0.10 THEN 'IMAGE' WHEN r_type < 0.175 THEN 'VIDEO'
                                 WHEN r_type < 0.225 THEN 'DOCUMENT' ELSE 'AUDIO' END AS att_type
                  FROM pii_msgs WHERE r_type < 0.25) m
            JOIN pii_users u ON u.i = m.sender
            CROSS JOIN LATERAL generate_series(1, CASE WHEN m.r_att < 0.2 THEN 2 ELSE 1 END) a""",
        """CREATE TEMP TABLE pii_pairs AS
            SELECT m.id AS mid, mb.ui, m.t, random() < 0.9 AS delivered, random() AS r_read,
                   random() AS r_lat, random() AS r_u
            FROM pii_msgs m JOIN pii_members mb ON mb.cid = m.cid AND mb.ui <> m.sender""",
        f"""CREATE TEMP TABLE pii_reads AS
            SELECT mid, ui, t + (CASE WHEN r_lat < 0.6 THEN r_u * 30
                                      WHEN r_lat < 0.9 THEN -600 * ln(1 - r_u)
                                      ELSE 60 * exp(7 + 1.5 * {z}) END) * interval '1 second' AS at
            FROM pii_pairs WHERE delivered AND r_read < 0.72""",
        f"""INSERT INTO {s}.message_reads (id, "readAt", "updatedAt", "userId", "messageId")
            SELECT 'c' || substr(md5('rd' || mid || ui::text), 1, 24), at, at, {_uid('ui')}, mid
            FROM pii_reads""",
        f"""INSERT INTO {s}.message_receipts (id, state, timestamp, "updatedAt", "messageId", "userId")
            SELECT 'c' || substr(md5('rcd' || mid || ui::text), 1, 24),
                   'DELIVERED'::{s}."ReceiptState", t, t, mid,
                   {_uid('ui')} FROM pii_pairs WHERE delivered
            UNION ALL
            SELECT 'c' || substr(md5('rcr' || mid || ui::text), 1, 24),
                   'READ'::{s}."ReceiptState", at, at, mid,
                   {_uid('ui')} FROM pii_reads""",
        f"ANALYZE {s}.users, {s}.conversations, {s}.conversation_users, {s}.messages, "
        f"{s}.message_reads, {s}.message_receipts, {s}.attachments",
    ]


def build(dsn: str, schema: str) -> None:
    """Create the schema and fill it (one session: the temp tables live in it)."""
    import adbc_driver_postgresql.dbapi as pg

    conn = pg.connect(dsn, autocommit=True)
    try:
        with conn.cursor() as cur:
            for sql in statements(schema):
                cur.execute(sql)
                if cur.description is not None:
                    cur.fetchall()
    finally:
        conn.close()


def planted_values(dsn: str, schema: str) -> dict[str, set[str]]:
    """Every personal value planted in the database (the test reads them; the sampler never does)."""
    import adbc_driver_postgresql.dbapi as pg

    s = quote_ident(schema)
    queries = {
        "user ids": f"SELECT id FROM {s}.users",
        "conversation ids": f"SELECT id FROM {s}.conversations",
        "message ids": f"SELECT id FROM {s}.messages",
        "emails": f"SELECT email FROM {s}.users",
        "usernames": f"SELECT username FROM {s}.users",
        "names": f"""SELECT "firstName" FROM {s}.users WHERE "firstName" IS NOT NULL
                     UNION SELECT "lastName" FROM {s}.users WHERE "lastName" IS NOT NULL""",
        "urls": f"""SELECT "profileImageUrl" FROM {s}.users WHERE "profileImageUrl" IS NOT NULL
                    UNION SELECT url FROM {s}.attachments""",
        "filenames": f"SELECT DISTINCT filename FROM {s}.attachments",
    }
    out: dict[str, set[str]] = {}
    conn = pg.connect(dsn, autocommit=True)
    try:
        with conn.cursor() as cur:
            for kind, sql in queries.items():
                cur.execute(sql)
                rows: list[Any] = cur.fetchall()
                out[kind] = {str(r[0]) for r in rows}
    finally:
        conn.close()
    out["phones"] = {f"+1 (415) 555-{1000 + i % 9000:04d}" for i in range(1, N_USERS + 1)}
    out["phone digits"] = {f"1415555{1000 + i % 9000:04d}" for i in range(1, N_USERS + 1)}
    out["addresses"] = {f"{100 + i % 800} {STREETS[i % len(STREETS)]}"
                        for i in range(1, N_USERS + 1)}
    return out
