"""``--existing``: does the app's own schema take the dataset as it is? Every difference, named.

Each of our columns is compared with the app column's *actual* type, read from the catalog:
the column's type in its own schema (an ORM names enum types after its models, not after
synthgen's names), followed through domains to the base type. What binary COPY of our Arrow
columns accepts unchanged is compatible:

- text into ``text``, ``varchar`` and ``varchar(n)`` (when the dataset's longest value fits);
- ``timestamp(3)`` into ``timestamp`` of precision ≥ 3 (the binary form is the same);
- an enum into any enum type holding at least the dataset's labels (extra labels are fine);
- any of these through a domain (its constraints are checked by the server during COPY).

Extra app columns are fine when nullable, defaulted, identity or generated. A NOT NULL app
column over a dataset column with NULLs is a difference (counted from Parquet statistics,
no data read). ``timestamptz``, ``json``, ``bigint`` and other near-misses are differences:
their binary form, or their meaning, is not what the dataset holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.dataset import Manifest, file_at, read_manifest
from synthgen.errors import InputError
from synthgen.pg.connect import execute
from synthgen.pg.sql import quote_ident
from synthgen.schema import ENUMS, TABLES, Column

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

# One row per column of our tables in ``schema``; domains followed to their base type
# (a domain may sit on a domain: the recursion keeps the deepest level).
_COLUMNS_SQL = """
WITH RECURSIVE col AS (
    SELECT c.relname, a.attname, a.attnum, a.attnotnull,
           a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS filled,
           format_type(a.atttypid, a.atttypmod) AS declared, a.atttypid AS typ,
           a.atttypmod AS typmod, 0 AS depth
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0
      AND NOT a.attisdropped AND c.relname = ANY($2)
  UNION ALL
    SELECT col.relname, col.attname, col.attnum, col.attnotnull, col.filled, col.declared,
           t.typbasetype, t.typtypmod, col.depth + 1
    FROM col JOIN pg_type t ON t.oid = col.typ
    WHERE t.typtype = 'd' AND col.depth < 16
)
SELECT DISTINCT ON (col.relname, col.attnum)
       col.relname, col.attname, col.attnotnull, col.filled, col.declared,
       format_type(col.typ, col.typmod) AS base, t.typtype::text, tn.nspname, t.typname,
       col.typmod,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_enum e WHERE e.enumtypid = col.typ) AS labels
FROM col JOIN pg_type t ON t.oid = col.typ JOIN pg_namespace tn ON tn.oid = t.typnamespace
ORDER BY col.relname, col.attnum, col.depth DESC
"""


@dataclass(frozen=True, slots=True)
class AppColumn:
    """One column of an app table as the catalog describes it."""

    name: str
    not_null: bool
    filled: bool
    """Has a default, or is identity / generated: the dataset need not provide it."""
    declared: str
    """The column's type as declared (``format_type``), maybe a domain."""
    base: str
    """The type under any domains (``format_type`` with the effective typmod)."""
    typtype: str
    type_name: str
    """Schema-qualified, quoted name of the base type (for enums: the app's own name)."""
    typmod: int
    labels: tuple[str, ...] | None


def read_app_columns(conn: Connection, schema: str) -> dict[str, dict[str, AppColumn]]:
    """The app's columns of our seven tables in ``schema``: table → column → AppColumn."""
    rows = execute(conn, _COLUMNS_SQL, (schema, list(TABLES)))
    conn.rollback()
    found: dict[str, dict[str, AppColumn]] = {}
    for rel, col, notnull, filled, declared, base, typtype, nsp, typname, typmod, labels in rows:
        found.setdefault(str(rel), {})[str(col)] = AppColumn(
            str(col), bool(notnull), bool(filled), str(declared), str(base), str(typtype),
            f"{quote_ident(str(nsp))}.{quote_ident(str(typname))}", int(typmod),
            None if labels is None else tuple(str(v) for v in labels))
    return found


def _shown(app: AppColumn) -> str:
    return app.declared if app.declared == app.base else f"{app.declared} (domain over {app.base})"


def type_difference(ours: Column, app: AppColumn) -> str | None:
    """Why binary COPY of our column into ``app`` would fail or change values; None: it fits.

    A varchar(n) length limit is not judged here (it needs the data): see ``varchar_limit``.
    """
    base = app.base
    if ours.enum is not None:
        if app.typtype != "e" or app.labels is None:
            return f"expected an enum with labels {list(ENUMS[ours.enum])}, found {_shown(app)}"
        missing = [v for v in ENUMS[ours.enum] if v not in app.labels]
        if missing:
            return (f"enum {app.type_name} lacks labels {missing} that synthgen generates "
                    f"(it has {list(app.labels)})")
        return None
    if ours.pg == "text":
        if base == "text" or base.startswith("character varying"):
            return None
        return f"expected text (or varchar), found {_shown(app)}"
    if ours.pg.startswith("timestamp"):
        if base.startswith("timestamp") and "with time zone" in base:
            return (f"expected timestamp(3) without time zone, found {_shown(app)}: the "
                    "dataset's timestamps are naive UTC")
        if not base.startswith("timestamp"):
            return f"expected timestamp(3), found {_shown(app)}"
        if 0 <= app.typmod < 3:
            return (f"expected timestamp(3), found {_shown(app)}: milliseconds would be "
                    "rounded away")
        return None
    if base != ours.pg:
        return f"expected {ours.pg}, found {_shown(app)}"
    return None


def varchar_limit(app: AppColumn) -> int | None:
    """n of a varchar(n) base type (None: no limit)."""
    if app.base.startswith("character varying") and app.typmod >= 4:
        return app.typmod - 4  # typmod of varchar(n) is n + VARHDRSZ
    return None


def null_counts(root: Path | str, manifest: Manifest, table: str) -> dict[str, int]:
    """NULLs per column of one table, from the Parquet footers' statistics (no data read)."""
    import pyarrow.parquet as pq

    counts: dict[str, int] = {}
    for f in manifest.table_files(table):
        md = pq.ParquetFile(_open(root, f.path)).metadata
        for rg in range(md.num_row_groups):
            group = md.row_group(rg)
            for i in range(group.num_columns):
                col = group.column(i)
                stats = col.statistics
                n = stats.null_count if stats is not None and stats.has_null_count else None
                name = col.path_in_schema
                # no statistics: unknown, counted as "maybe" (one NULL) so it is checked
                counts[name] = counts.get(name, 0) + (1 if n is None else int(n))
    return counts


def _open(root: Path | str, rel: str) -> Any:
    """What pyarrow.parquet opens: a local path, or a random-access reader at a URL."""
    got = file_at(root, rel)
    if isinstance(got, Path):
        return got
    from synthgen.generate.output import open_input

    return open_input(got)


def max_length(root: Path | str, manifest: Manifest, table: str, column: str) -> int:
    """The longest value (in characters) of one text column over the dataset (DuckDB scan;
    at a URL, pyarrow reads the one column file by file: DuckDB never reads a URL)."""
    if isinstance(root, str):
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        longest = 0
        for f in manifest.table_files(table):
            with pq.ParquetFile(_open(root, f.path)) as pf:
                for batch in pf.iter_batches(columns=[column]):
                    got = pc.max(pc.utf8_length(batch.column(0))).as_py()
                    longest = max(longest, got or 0)
        return longest
    import duckdb

    files = [str(root / f.path) for f in manifest.table_files(table)]
    con = duckdb.connect(":memory:")
    try:
        row = con.execute(f"SELECT max(length({quote_ident(column)})) FROM read_parquet($1)",
                          [files]).fetchone()
    finally:
        con.close()
    return int(row[0]) if row is not None and row[0] is not None else 0


def differences(found: dict[str, dict[str, AppColumn]], schema: str, root: Path | str,
                manifest: Manifest) -> list[str]:
    """Every way the app's tables differ from what the dataset needs, one line each."""
    problems: list[str] = []
    for table, columns in TABLES.items():
        have = found.get(table)
        if have is None:
            problems.append(f"table {schema}.{table} is missing")
            continue
        nulls: dict[str, int] | None = None
        for c in columns:
            app = have.get(c.name)
            if app is None:
                problems.append(f"{table}.{c.name}: column missing")
                continue
            why = type_difference(c, app)
            if why is not None:
                problems.append(f"{table}.{c.name}: {why}")
                continue
            limit = varchar_limit(app)
            if limit is not None:
                longest = max_length(root, manifest, table, c.name)
                if longest > limit:
                    problems.append(f"{table}.{c.name}: {_shown(app)} is too short for the "
                                    f"dataset's longest value ({longest} characters)")
            if app.not_null and c.nullable:
                nulls = null_counts(root, manifest, table) if nulls is None else nulls
                if nulls.get(c.name, 0):
                    problems.append(f"{table}.{c.name}: NOT NULL in the app, but the dataset "
                                    f"holds NULLs in it (up to {nulls[c.name]:,} rows)")
        ours = {c.name for c in columns}
        for name, app in have.items():
            if name not in ours and app.not_null and not app.filled:
                problems.append(f"{table}.{name}: NOT NULL column without default that the "
                                "dataset does not provide")
    return problems


def check_existing(conn: Connection, schema: str, root: Path | str) -> None:
    """InputError listing every way the app's tables differ from what we would load."""
    manifest = read_manifest(root)
    problems = differences(read_app_columns(conn, schema), schema, root, manifest)
    if problems:
        raise InputError(f"--existing: the tables in schema {schema!r} do not match the "
                         "dataset:\n  " + "\n  ".join(problems))
