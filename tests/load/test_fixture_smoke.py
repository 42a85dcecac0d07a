"""The database fixtures work: a live, marked server and a usable fresh schema."""

import pytest

from tests.fixtures.db import pg_exec

pytestmark = pytest.mark.db


def test_pg_dsn_is_live_and_marked(pg_dsn: str, fresh_schema: str) -> None:
    assert pg_exec(pg_dsn, "SELECT 1")[0][0] == 1
    assert pg_exec(pg_dsn, "SELECT count(*) FROM _synthgen.marker")[0][0] >= 1
    pg_exec(pg_dsn, f'CREATE SCHEMA "{fresh_schema}"')
    pg_exec(pg_dsn, f'CREATE TABLE "{fresh_schema}".t (x int)')
    assert pg_exec(pg_dsn, f'SELECT count(*) FROM "{fresh_schema}".t')[0][0] == 0
