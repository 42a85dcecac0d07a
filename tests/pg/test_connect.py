"""Credential scrubbing, driver-error messages and read-only sessions, without a database."""

from __future__ import annotations

import pytest

from synthgen.errors import EnvironmentProblem
from synthgen.pg.connect import connect, first_line
from synthgen.pg.sql import redact_dsn, scrub


@pytest.mark.parametrize(("dsn", "secret"), [
    ("postgresql://app:s3cret@db.internal:5432/chat", "s3cret"),
    ("postgres://app:p%40ss%2Fw0rd@db:5432/chat", "p@ss/w0rd"),
    ("postgresql://app:s3cret@db:5432/chat?sslmode=require", "s3cret"),
    ("postgresql://app@db:5432/chat?sslmode=require&password=s3cret", "s3cret"),
    ("postgresql://app@db/chat?password=s3%20cr%2Bet&application_name=x", "s3 cr+et"),
    ("host=db user=app password=s3cret dbname=chat", "s3cret"),
    ("host=db user=app password = s3cret dbname=chat", "s3cret"),
    ("host=db user=app password='s3 cr\\'et' dbname=chat", "s3 cr'et"),
])
def test_scrub_removes_the_password_in_every_form(dsn: str, secret: str) -> None:
    text = (f"could not connect to {dsn}: password authentication failed ({secret}); "
            f"retried with {secret}")
    out = scrub(text, dsn)
    assert secret not in out
    assert redact_dsn(dsn) in out
    assert "password authentication failed" in out  # the message itself survives


def test_scrub_removes_the_password_as_written_in_the_dsn() -> None:
    dsn = "postgresql://app:p%40ss@db/chat"
    out = scrub("echoed: p%40ss and decoded: p@ss", dsn)
    assert "p%40ss" not in out
    assert "p@ss" not in out


def test_scrub_redacts_other_credentials_in_the_text() -> None:
    out = scrub("tried postgresql://other:hunter2@h2/db and host=h password=hunter3 sslmode=on",
                "postgresql://app@db/chat")
    assert "hunter2" not in out
    assert "hunter3" not in out
    assert "postgresql://other:***@h2/db" in out
    assert "sslmode=on" in out


def test_scrub_keeps_a_redacted_url_query_readable() -> None:
    dsn = "postgresql://app@db/chat?password=s3cret&sslmode=require"
    assert scrub(f"failed: {dsn}", dsn) == "failed: postgresql://app@db/chat?password=***&sslmode=require"


def test_scrub_without_a_password_changes_nothing() -> None:
    dsn = "postgresql://postgres@127.0.0.1:5432/postgres"
    text = f"relation does not exist on {dsn}"
    assert scrub(text, dsn) == text
    assert scrub("plain text", "") == "plain text"


@pytest.mark.parametrize(("message", "expected"), [
    # the driver's no-COPY path echoes the query, then the server's message
    ("INVALID_DATA: [libpq] Failed to execute query 'SELECT 1/0': ERROR:  division by zero\n"
     ". SQLSTATE: 22012", "division by zero"),
    # a multi-line query: the server's message is not on the first line
    ("NOT_FOUND: [libpq] Failed to execute query 'SELECT *\n  FROM nope': ERROR:  relation "
     '"nope" does not exist\nLINE 2: ...\n. SQLSTATE: 42P01', 'relation "nope" does not exist'),
    # the COPY path
    ("INVALID_DATA: [libpq] Failed to execute query: could not begin COPY: ERROR:  division by "
     "zero\n\nQuery was: COPY (SELECT 1/0) TO STDOUT (FORMAT binary). SQLSTATE: 22012",
     "division by zero"),
    ("NOT_FOUND: Failed to prepare query: ERROR:  relation \"x\" does not exist\nLINE 1: SELECT",
     'relation "x" does not exist'),
    # not from the server: the first line as it is
    ("IO: [libpq] Failed to connect: connection refused\n\tIs the server running?",
     "IO: [libpq] Failed to connect: connection refused"),
])
def test_first_line_is_the_servers_message(message: str, expected: str) -> None:
    assert first_line(RuntimeError(message)) == expected


def test_first_line_of_an_empty_error_is_its_type() -> None:
    assert first_line(KeyError()) == "KeyError"
    assert first_line(ValueError("  \n ")) == "ValueError"


class _FakeCursor:
    def __init__(self, log: list[str], read_only: str) -> None:
        self._log, self._read_only = log, read_only
        self.adbc_statement = self
        self.description: object = None

    def __enter__(self) -> _FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def set_options(self, **options: str) -> None:
        assert options == {"adbc.postgresql.use_copy": "false"}

    def execute(self, sql: str, params: object = None) -> None:
        self._log.append(sql)
        self.description = [("x",)] if sql.startswith("SELECT") else None

    def fetchall(self) -> list[tuple[str]]:
        return [(self._read_only,)]


class _FakeConnection:
    def __init__(self, read_only: str) -> None:
        self.log: list[str] = []
        self.closed = False
        self._read_only = read_only

    def cursor(self) -> _FakeCursor:
        return _FakeCursor(self.log, self._read_only)

    def close(self) -> None:
        self.closed = True


def _fake_driver(monkeypatch: pytest.MonkeyPatch,
                 read_only: str) -> tuple[_FakeConnection, dict[str, object]]:
    """The driver's connect replaced by one handing out a fake that answers ``read_only``."""
    import adbc_driver_postgresql.dbapi as driver

    fake, seen = _FakeConnection(read_only), dict[str, object]()

    def fake_connect(dsn: str, *, autocommit: bool) -> _FakeConnection:
        seen["autocommit"] = autocommit
        return fake

    monkeypatch.setattr(driver, "connect", fake_connect)
    return fake, seen


def test_read_only_session_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    fake, seen = _fake_driver(monkeypatch, "on")
    conn = connect("postgresql://u@h/db", read_only=True, statement_timeout_s=42)
    assert conn is fake
    assert seen == {"autocommit": True}
    assert fake.log == ["SET default_transaction_read_only = on",
                        "SET statement_timeout = 42000",
                        "SET lock_timeout = 5000",
                        "SET application_name = 'synthgen sample (read-only)'",
                        "SELECT current_setting('transaction_read_only')"]


def test_read_only_session_that_stays_writable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake, _ = _fake_driver(monkeypatch, "off")
    with pytest.raises(EnvironmentProblem, match="read-only"):
        connect("postgresql://u:pw@h/db", read_only=True)
    assert fake.closed
