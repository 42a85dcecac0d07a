"""The SQL files shipped in synthgen/sql/ are exactly what synthgen.ddl generates."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen import ddl

SQL_DIR = Path(__file__).resolve().parents[1] / "synthgen" / "sql"
SHOWN_SCHEMA = "perf_synthetic"  # the schema name the shipped files show
HEADER = ("-- Generated from synthgen/schema.py by synthgen.ddl; tests keep this file identical.\n"
          f"-- Schema name shown as {SHOWN_SCHEMA}; the loader substitutes the target schema.\n\n")


@pytest.mark.parametrize(("file", "statements"), [
    ("phase1-create.sql", ddl.create_sql(SHOWN_SCHEMA)),
    ("phase1-constraints.sql", ddl.post_load_sql(SHOWN_SCHEMA)),
])
def test_shipped_sql_is_the_generated_ddl(file: str, statements: list[str]) -> None:
    assert (SQL_DIR / file).read_text(encoding="utf-8") == HEADER + ddl.render(statements)


def test_every_shipped_sql_file_is_checked() -> None:
    assert sorted(p.name for p in SQL_DIR.glob("*.sql")) == ["phase1-constraints.sql",
                                                              "phase1-create.sql"]
