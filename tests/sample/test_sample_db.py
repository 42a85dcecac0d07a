"""The sampler against a throwaway "production" database full of planted PII."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from synthgen.errors import EnvironmentProblem
from synthgen.pg.connect import connect
from synthgen.pg.sql import quote_ident
from synthgen.sample import sample
from synthgen.sample.gate import check_export
from tests.fixtures.db import pg_exec
from tests.sample import production_db

pytestmark = pytest.mark.db


def test_export_holds_none_of_the_planted_values(pg_dsn: str, prod_schema: str,
                                                 export: tuple[Path, dict[str, Any]]) -> None:
    out, summary = export
    planted = production_db.planted_values(pg_dsn, prod_schema)
    assert sum(len(v) for v in planted.values()) > 5000  # the database really is full of PII
    for path in (out, Path(summary["manifest"])):
        text = path.read_text().lower()
        words = set(re.findall(r"[a-z]+", text))
        for kind, values in planted.items():
            for value in values:
                v = value.lower()
                if kind == "names":
                    assert v not in words, f"a planted {kind[:-1]} leaked into {path.name}"
                else:
                    assert v not in text, f"a planted value ({kind}) leaked into {path.name}"


def test_export_passes_its_own_gate_and_manifest_matches(export: tuple[Path, dict[str, Any]]
                                                         ) -> None:
    import hashlib

    out, summary = export
    doc = json.loads(out.read_text())
    check_export(doc)
    manifest = json.loads(Path(summary["manifest"]).read_text())
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["k"] == 10
    assert manifest["window_days"] == 30
    assert manifest["epsilon"] is None
    assert manifest["synthgen_version"]
    assert "conversation_size.classes" in manifest["measured"]


def test_export_shows_the_planted_shapes(export: tuple[Path, dict[str, Any]]) -> None:
    m = json.loads(export[0].read_text())["metrics"]
    classes = m["conversation_size.classes"]
    assert classes["counts"][1:] == [150, 120, 30]  # 50% direct / 40% small / 10% large
    assert m["population.users"] == 400
    assert m["messages_per_conversation.quantiles"]["values"][-1] is None  # p99 of 300: coarsened
    assert 0.55 < m["reads.read_rate"] < 0.75
    # nested metrics: inside each published group total, never exactly one hidden cell
    from synthgen.sample.measures import MEASURES
    from synthgen.sample.queries import Cat, Hist

    for measure in MEASURES:
        if isinstance(measure, Hist | Cat) and measure.groups:
            cells = m[measure.name]["counts"]
            for g in set(measure.groups):
                hidden = [c is None for c, gi in zip(cells, measure.groups, strict=True) if gi == g]
                assert sum(hidden) != 1, (measure.name, g)
    hours = m["activity.hour_of_week"]["counts"]
    by_hour = [sum(hours[d * 24 + h] or 0 for d in range(7)) for h in range(24)]
    assert max(range(24), key=by_hour.__getitem__) in range(*production_db.PEAK_HOURS)


def test_sampling_session_is_read_only(pg_dsn: str, prod_schema: str) -> None:
    conn = connect(pg_dsn, read_only=True)
    try:
        with conn.cursor() as cur:
            for stmt in (f"DELETE FROM {quote_ident(prod_schema)}.users",
                         f"CREATE TABLE {quote_ident(prod_schema)}.intruder (x int)"):
                with pytest.raises(Exception, match="read-only"):
                    cur.execute(stmt)
    finally:
        conn.close()
    rows = pg_exec(pg_dsn, f"SELECT count(*) FROM {quote_ident(prod_schema)}.users")
    assert rows[0][0] == production_db.N_USERS


def test_small_bucket_of_k_minus_1_users_is_suppressed(pg_dsn: str, tmp_path: Path) -> None:
    """Username lengths: 40 users of length 8, 9 (= k - 1) of length 20, 15 of length 12."""
    from synthgen.ddl import create_sql

    schema = f"ksup_{uuid.uuid4().hex[:10]}"
    s = quote_ident(schema)
    try:
        for sql in create_sql(schema):
            pg_exec(pg_dsn, sql)
        pg_exec(pg_dsn, f"""
            INSERT INTO {s}.users (id, email, username, "updatedAt")
            SELECT 'c' || substr(md5(i::text), 1, 24), 'u' || i || '@gmail.com',
                   CASE WHEN i <= 40 THEN lpad(i::text, 8, 'a')
                        WHEN i <= 49 THEN lpad(i::text, 20, 'b')
                        ELSE lpad(i::text, 12, 'c') END, now()
            FROM generate_series(1, 64) i""")
        out = tmp_path / "m.json"
        sample(pg_dsn, schema, 30, 10, None, out)
        h = json.loads(out.read_text())["metrics"]["users.username_length"]
        edges = h["edges"]
        assert h["counts"][edges.index(20)] is None           # 9 users < k: suppressed
        assert h["counts"][edges.index(12)] is None           # the complement that would reveal it
        assert h["counts"][edges.index(8)] == 40
        assert h["total"] == 64
        assert h["suppressed"] == 2
        assert "9" not in {str(c) for c in h["counts"]}
    finally:
        pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {s} CASCADE")


def test_unreachable_server_is_an_environment_problem() -> None:
    with pytest.raises(EnvironmentProblem) as exc:
        connect("postgresql://someone:s3cret@127.0.0.1:1/prod", read_only=True)
    assert "s3cret" not in str(exc.value)


def test_cli_subprocess_and_epsilon(pg_dsn: str, prod_schema: str, tmp_path: Path) -> None:
    out = tmp_path / "dp.json"
    proc = subprocess.run([sys.executable, "-m", "synthgen", "sample", "--dsn", pg_dsn,
                           "--schema", prod_schema, "--epsilon", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "epsilon spent" in proc.stdout
    assert re.search(r"replica: 5 statements, \d+ blocks fetched", proc.stdout), proc.stdout
    doc = json.loads(out.read_text())
    assert doc["epsilon"] == 2.0
    assert doc["epsilon_spent"] == pytest.approx(2.0)  # OpenDP's composition of the releases
    check_export(doc)
    manifest = json.loads(out.with_name("dp.manifest.json").read_text())
    dp = manifest["differential_privacy"]
    assert dp["library"] == "opendp"
    assert dp["unit_of_privacy"] == "one user and everything they did in the window"
    assert dp["epsilon_total"] == pytest.approx(2.0)
    from synthgen.sample.bounded import RELEASES

    assert [e["release"] for e in dp["releases"]] == [r.measure.name for r in RELEASES]
    for e in dp["releases"]:
        assert {"unit", "bound", "sensitivity", "scale", "epsilon"} <= set(e)
    assert manifest["replica_cost"]["statements"] == 5


class _SpyCursor:
    def __init__(self, cur: Any, seen: list[Any]) -> None:
        self._cur, self._seen = cur, seen

    def __enter__(self) -> _SpyCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cur.close()

    def execute(self, sql: str, params: Any = None) -> None:
        self._cur.execute(sql, params)

    def fetchall(self) -> list[Any]:
        rows: list[Any] = self._cur.fetchall()
        self._seen.extend(v for row in rows for v in row)
        return rows

    def __getattr__(self, name: str) -> Any:  # statement options, description: not results
        return getattr(self._cur, name)


class _SpyConnection:
    def __init__(self, conn: Any, seen: list[Any]) -> None:
        self._conn, self._seen = conn, seen

    def cursor(self) -> _SpyCursor:
        return _SpyCursor(self._conn.cursor(), self._seen)


def test_only_numbers_ever_reach_the_client(pg_dsn: str, prod_schema: str) -> None:
    from synthgen.sample.bounded import run_releases
    from synthgen.sample.measures import MEASURES, window_measures
    from synthgen.sample.queries import Session, run_measures
    from synthgen.sample.sources import with_clause

    seen: list[Any] = []
    conn = connect(pg_dsn, read_only=True)
    try:
        spy: Any = _SpyConnection(conn, seen)
        run_measures(Session(spy), MEASURES + window_measures(30), with_clause(prod_schema, 30))
        run_releases(Session(spy), prod_schema, 30)
        Session(spy).blocks(prod_schema)
    finally:
        conn.close()
    assert len(seen) > 500
    assert all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
               for v in seen), {type(v).__name__ for v in seen}


def test_gate_refusal_writes_nothing(pg_dsn: str, prod_schema: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: a value slips into the document; nothing may reach the disk."""
    from synthgen.errors import GateFailed
    from synthgen.sample import export as export_module

    real = export_module.build_export

    def leaky(*args: Any, **kwargs: Any) -> Any:
        doc = real(*args, **kwargs)
        doc["metrics"]["message_type.mix"]["labels"][0] = "margaret.thompson7@gmail.com"
        return doc

    monkeypatch.setattr(export_module, "build_export", leaky)
    out = tmp_path / "shape-metrics.json"
    with pytest.raises(GateFailed) as exc:
        sample(pg_dsn, prod_schema, 30, 10, None, out)
    assert "margaret" not in str(exc.value)
    assert '$.metrics["message_type.mix"].labels[0]' in str(exc.value)
    assert list(tmp_path.iterdir()) == []
