"""PII absence over every row: e-mails, phone numbers, URLs, card numbers, real person names.

Each table is read once: a cheap trigger pattern (anything e-mail-, URL- or digit-run-shaped,
or a listed name) keeps the few rows worth a closer look, and the exact patterns run on those
only. Only counts and a few row ids are reported; the
offending values are never read back.

Reserved names (RFC 2606 / 6761) are allowed: ``example.com``, ``example.net``,
``example.org`` and their subdomains, and the ``.invalid``, ``.test``, ``.example`` and
``.localhost`` top-level domains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synthgen.fidelity.check import PII, Check, integrity_check
from synthgen.names import person_names
from synthgen.schema import TABLE_NAMES

if TYPE_CHECKING:
    import duckdb

TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("email", "username", "firstName", "lastName", "bio", "profileImageUrl", "typingIn"),
    "conversations": ("name", "description", "avatarUrl"),
    "conversation_users": (),
    "messages": ("content", "metadata", "idempotencyKey", "correlationId"),
    "message_reads": (),
    "message_receipts": (),
    "attachments": ("filename", "originalName", "mimeType", "url", "thumbnailUrl"),
}
"""Columns that hold free text (ids, enums and timestamps cannot carry PII)."""

NAME_COLUMNS: frozenset[str] = frozenset(
    {"username", "firstName", "lastName", "bio", "name", "description", "content",
     "originalName"})
"""Columns scanned for real person names (whole words, any case)."""

KEY_COLUMNS: frozenset[str] = frozenset({"idempotencyKey", "correlationId"})
"""UUID-shaped keys: scanned for e-mails and URLs only (their hex groups can be all digits)."""

JSON_COLUMNS: frozenset[str] = frozenset({"metadata"})
"""JSON text: numeric values are dropped before the digit-shaped scans (a size is no phone)."""

_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
EMAIL_RE = r"[A-Za-z0-9._%+-]+@(" + _DOMAIN + ")"
URL_RE = r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)([A-Za-z0-9.-]+)"
PHONE_RE = "|".join((
    r"\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}",  # +44 20 7946 0958
    r"\(\d{2,4}\)\s?\d{3,4}[ .-]?\d{3,4}",                  # (555) 123-4567
    r"\b\d{3}[ .-]\d{3}[ .-]\d{4}\b",                         # 555-123-4567
    r"\b0\d{2,4}[ /-]\d{3,4}[ -]?\d{3,4}\b",                  # 030 1234 5678
    r"\b0?1?\d{10}\b",                                        # 5551234567, 07700900123
))
CARD_RE = r"\b(?:\d[ -]?){12,18}\d\b"
"""13-19 digits, optionally grouped by single spaces or dashes."""
_JSON_NUMBER_RE = r"([:\[,]\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"

_RESERVED_HOST = (r"(?:[a-z0-9-]+\.)*(?:example\.(?:com|net|org)"
                  r"|[a-z0-9-]+\.(?:invalid|test|example|localhost)|localhost)")
_HOST_END = r"\.?(?:[^a-z0-9.-]|$)"
"""A host ends at a character that cannot continue it (``example.com.evil.org`` is not
reserved; a sentence's full stop after ``example.com`` is fine)."""
RESERVED_EMAIL_RE = r"(?i)[a-z0-9._%+-]+@" + _RESERVED_HOST + _HOST_END
RESERVED_URL_RE = (r"(?i)(?:\b[a-z][a-z0-9+.-]*://(?:[^/@\s]+@)?|\bwww\.)" + _RESERVED_HOST
                   + _HOST_END)
"""Reserved addresses are blanked out first; any e-mail or URL left is not reserved
(RE2 has no lookahead to say "a host other than ..." in one pattern)."""

ADDRESS_COLUMNS: dict[str, str] = {
    "email": RESERVED_EMAIL_RE, "profileImageUrl": RESERVED_URL_RE, "avatarUrl": RESERVED_URL_RE,
    "url": RESERVED_URL_RE, "thumbnailUrl": RESERVED_URL_RE}
"""Columns that hold one address each -> the pattern of their reserved form."""

TRIGGER_RE = r"@|://|(?i:www\.)|\d[\d\s()./+-]{4,}\d"
"""Anything that could start an e-mail, a URL, a phone or a card number (six or more
digit-like characters). One cheap pass with this (plus the names) selects the few rows the
exact patterns then examine."""

KINDS = ("email", "phone", "url", "card", "person_name")




def names_pattern() -> str:
    """One RE2 alternation of every listed name, whole words, any case."""
    return r"(?i)\b(?:" + "|".join(sorted(person_names())) + r")\b"


def sql_str(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unreserved(col: str, pattern: str, reserved: str, prefilter: str) -> str:
    blanked = f"regexp_replace({col}, {sql_str(reserved)}, ' ', 'g')"
    return f"({prefilter} AND regexp_matches({blanked}, {sql_str(pattern)}))"


def predicates(column: str) -> dict[str, str]:
    """kind -> SQL predicate that is true when this column of a row shows that kind of PII."""
    col = _q(column)
    digits = (f"regexp_replace({col}, {sql_str(_JSON_NUMBER_RE)}, '\\1', 'g')"
              if column in JSON_COLUMNS else col)
    out = {
        "email": _unreserved(col, EMAIL_RE, RESERVED_EMAIL_RE, f"contains({col}, '@')"),
        "url": _unreserved(col, URL_RE, RESERVED_URL_RE,
                           f"(contains({col}, '://') OR {col} ILIKE '%www.%')"),
    }
    if column not in KEY_COLUMNS:
        out["phone"] = f"regexp_matches({digits}, {sql_str(PHONE_RE)})"
        out["card"] = f"regexp_matches({digits}, {sql_str(CARD_RE)})"
    if column in NAME_COLUMNS:
        out["person_name"] = f"regexp_matches({col}, {sql_str(names_pattern())})"
    return out


def trigger(column: str) -> str:
    """SQL predicate selecting rows of a column that any PII pattern could match.

    Columns whose every value is an address (``users.email``, the ``*Url`` columns) are
    judged on what is left once their reserved address is blanked out.
    """
    col = _q(column)
    if column in KEY_COLUMNS:
        return f"(contains({col}, '@') OR contains({col}, '://') OR contains({col}, 'www.'))"
    if column in ADDRESS_COLUMNS:
        col = f"regexp_replace({col}, {sql_str(ADDRESS_COLUMNS[column])}, ' ', 'g')"
    pattern = TRIGGER_RE + ("|" + names_pattern() if column in NAME_COLUMNS else "")
    return f"regexp_matches({col}, {sql_str(pattern)})"


def table_trigger(table: str) -> str:
    """SQL predicate over a table's rows: true when any of its text columns could hold PII
    (``trigger`` of each; a table without text columns: false)."""
    return " OR ".join(trigger(c) for c in TEXT_COLUMNS[table]) or "false"


PRECOUNTED = {"messages": ("content_len", "suspects")}
"""Tables whose trigger rows a shared table already counted (table -> (shared table, column)):
``prepare`` reads the content column once for the lengths and this trigger together, so a
clean messages table is not read a second time here (dev: −1.3 CPU-s of content reading)."""


def _precounted(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """The trigger rows ``prepare`` counted for the table, or None when it did not."""
    if table not in PRECOUNTED:
        return None
    shared, column = PRECOUNTED[table]
    have = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $1 "
                       "AND temporary", [shared]).fetchone()
    if not have or not have[0]:
        return None
    row = con.execute(f"SELECT coalesce(sum({_q(column)}), 0) FROM {_q(shared)}").fetchone()
    return int(row[0]) if row else None


def scan_table(con: duckdb.DuckDBPyConnection, table: str
               ) -> dict[str, tuple[int, list[str], list[str]]]:
    """kind -> (offending rows, up to 3 of their ids, the columns involved) for one table.

    One pass over the table keeps the rows a cheap trigger pattern selects; the exact
    patterns run on those rows only. When ``prepare`` already counted no trigger row in the
    table (``PRECOUNTED``), no row can show PII and the table is not read again.
    """
    columns = TEXT_COLUMNS[table]
    if not columns:
        return {}
    by_kind: dict[str, list[tuple[str, str]]] = {k: [] for k in KINDS}
    for column in columns:
        for kind, pred in predicates(column).items():
            by_kind[kind].append((column, pred))
    kinds = [k for k in KINDS if by_kind[k]]
    if _precounted(con, table) == 0:
        return {k: (0, [], []) for k in kinds}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pii_suspects AS
        SELECT id, {', '.join(_q(c) for c in columns)} FROM {_q(table)}
        WHERE {table_trigger(table)}""")
    cols: list[str] = []
    for k in kinds:
        cols.append(f"count(*) FILTER (WHERE {' OR '.join(p for _, p in by_kind[k])})")
        cols.append(f"min(id, 3) FILTER (WHERE {' OR '.join(p for _, p in by_kind[k])})")
        cols += [f"count(*) FILTER (WHERE {p})" for _, p in by_kind[k]]
    row = con.execute(f"SELECT {', '.join(cols)} FROM pii_suspects").fetchone()
    assert row is not None
    out: dict[str, tuple[int, list[str], list[str]]] = {}
    i = 0
    for k in kinds:
        count, ids = int(row[i]), row[i + 1] or []
        per_col = row[i + 2: i + 2 + len(by_kind[k])]
        out[k] = (count, [str(x) for x in ids],
                  [f"{table}.{c}" for (c, _), n in zip(by_kind[k], per_col, strict=True) if n])
        i += 2 + len(by_kind[k])
    return out


def run_pii(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[Check]:
    """One check per PII kind over the given (sound) tables; examples are ``table:id``."""
    totals = dict.fromkeys(KINDS, 0)
    examples: dict[str, list[str]] = {k: [] for k in KINDS}
    where: dict[str, list[str]] = {k: [] for k in KINDS}
    for table in TABLE_NAMES:
        if table not in tables:
            continue
        for kind, (count, ids, cols) in scan_table(con, table).items():
            totals[kind] += count
            examples[kind] += [f"{table}:{x}" for x in ids]
            where[kind] += cols
    return [integrity_check(f"pii.{k}", totals[k], examples[k], kind=PII,
                            detail=("found in " + ", ".join(where[k])) if where[k]
                            else "none found") for k in KINDS]
