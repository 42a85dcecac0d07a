"""Small SQL-safety helpers every stage that talks to PostgreSQL uses.

Identifiers are always quoted; schema names are also checked against a conservative
pattern, so a hostile name is refused before any SQL is built. DSNs are redacted before
they reach a log, a report or an error message.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from synthgen.errors import InputError

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quote_ident(name: str) -> str:
    """Quote one SQL identifier (doubling embedded quotes).

    >>> quote_ident("conversationId")
    '"conversationId"'
    >>> quote_ident('x"y')
    '"x""y"'
    """
    if "\x00" in name:
        raise InputError("identifier contains a NUL byte")
    return '"' + name.replace('"', '""') + '"'


def check_schema_name(name: str) -> str:
    """Accept only plain lower-case schema names (letters, digits, underscore; ≤ 63 bytes).

    >>> check_schema_name("perf_synthetic")
    'perf_synthetic'
    """
    if not _SCHEMA_RE.fullmatch(name):
        raise InputError(f"schema name {name!r} refused: use lower-case letters, digits and "
                         "underscores only, starting with a letter or underscore (max 63)")
    return name


def qualified(schema: str, table: str) -> str:
    """schema.table with both parts quoted.

    >>> qualified("perf_synthetic", "messages")
    '"perf_synthetic"."messages"'
    """
    return f"{quote_ident(schema)}.{quote_ident(table)}"


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact_dsn(dsn: str) -> str:
    """A DSN safe to print: the password (URL or key=value form) replaced by ***.

    >>> redact_dsn("postgresql://app:s3cret@db.internal:5432/chat")
    'postgresql://app:***@db.internal:5432/chat'
    >>> redact_dsn("host=db user=app password=s3cret dbname=chat")
    'host=db user=app password=*** dbname=chat'
    """
    if "://" in dsn:
        parts = urlsplit(dsn)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            netloc = f"{userinfo}@{host}"
        query = _KV_PASSWORD.sub(r"\1***", parts.query.replace("&", " ")).replace(" ", "&")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _KV_PASSWORD.sub(r"\1***", dsn)
