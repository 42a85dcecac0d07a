"""Fixtures of the sampler tests: a planted "production" schema and its export."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synthgen.pg.sql import quote_ident
from tests.fixtures.db import pg_exec
from tests.sample import production_db


@pytest.fixture(scope="module")
def prod_schema(pg_dsn: str) -> Iterator[str]:
    """The planted production schema (built once per module and server, dropped after)."""
    name = f"prod_{uuid.uuid4().hex[:10]}"
    production_db.build(pg_dsn, name)
    yield name
    pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {quote_ident(name)} CASCADE")


@pytest.fixture(scope="module")
def export(pg_dsn: str, prod_schema: str, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, dict[str, Any]]:
    """``synthgen sample`` of the planted schema: (export path, summary)."""
    from synthgen.sample import sample

    out = tmp_path_factory.mktemp("sample") / "shape-metrics.json"
    summary = sample(pg_dsn, prod_schema, 30, 10, None, out)
    return out, summary
