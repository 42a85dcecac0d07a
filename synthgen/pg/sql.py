"""SQL and credential safety: quoted identifiers, checked schema names, redacted DSNs.

Identifiers are always quoted; schema names are also checked against a conservative
pattern, so a hostile name is refused before any SQL is built. DSNs are redacted
(``redact_dsn``) and texts scrubbed of passwords (``scrub``) before they reach a log, a
report or an error message.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

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
# In free text a password value ends at ``&`` too, so a redacted URL keeps its other options.
_TEXT_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'\"]+)", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/?#@]*:)([^\s/?#]+)(@)", re.IGNORECASE)


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


def scrub(text: str, dsn: str) -> str:
    """``text`` safe to show: the DSN redacted, and every form of its password replaced.

    The password goes wherever it appears (as written in the DSN, unquoted, percent-decoded),
    and so does any other ``password=`` value or ``user:password@`` in the text.

    >>> scrub("failed for postgresql://u:pw1@h/db (pw1)", "postgresql://u:pw1@h/db")
    'failed for postgresql://u:***@h/db (***)'
    >>> scrub("bad: host=h password='a b' (a b)", "host=h password='a b'")
    'bad: host=h password=*** (***)'
    """
    if dsn:
        text = text.replace(dsn, redact_dsn(dsn))
        for password in sorted(_passwords(dsn), key=len, reverse=True):
            text = text.replace(password, "***")
    text = _URL_USERINFO.sub(r"\1***\3", text)
    return _TEXT_PASSWORD.sub(r"\1***", text)


def _passwords(dsn: str) -> set[str]:
    """Every spelling of the DSN's password(s) that could show up in a message."""
    found: set[str] = set()
    if "://" in dsn:
        parts = urlsplit(dsn)
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            if unquote_plus(key).strip().lower() == "password":
                found.add(value)
    else:
        for match in _KV_PASSWORD.finditer(dsn):
            value = match.group(2)
            found.add(value)
            if value.startswith("'"):  # libpq quoting: 'a b', with \' and \\ escaped
                found.add(re.sub(r"\\(.)", r"\1", value[1:-1]))
    found |= {decoded for value in found for decoded in (unquote(value), unquote_plus(value))}
    return {value for value in found if value}
