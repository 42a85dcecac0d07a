"""Production skew on the generated ci band: heavy rooms get their share of the requests."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from synthgen.pg.connect import connect
from synthgen.pg.sql import qualified
from synthgen.workload import clean_schema
from synthgen.workload.cleanup import begin
from synthgen.workload.draw import build_draw_tables, helper_table
from synthgen.workload.driver import Step, find_pgbench, run_step
from synthgen.workload.scripts import MARKER_KEY_PREFIX, catalogue_script
from synthgen.workload.skew import heavy_share
from tests.fixtures.db import pg_exec

pytestmark = [pytest.mark.db, pytest.mark.slow]  # loads the generated ci dataset


def _inserts(dsn: str, schema: str, conv_total: int, user_total: int, seed: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="wl-skew-"))
    (work / "q2.sql").write_text(catalogue_script(schema, "Q2").text)
    run_step(find_pgbench(), Step([(work / "q2.sql", 1)], 2, 3, seed, work / "tx", threads=2,
                                  variables={"conv_total": conv_total, "user_total": user_total}),
             dsn)


def _share(dsn: str, schema: str) -> dict[str, object]:
    conn = connect(dsn)
    try:
        return heavy_share(conn, schema)
    finally:
        conn.close()


def test_heaviest_two_percent_get_their_traffic_share(pg_dsn: str, fresh_schema: str,
                                                      ci_dataset: Path) -> None:
    from synthgen.load import load_dataset

    load_dataset(ci_dataset, pg_dsn, fresh_schema)
    conn = connect(pg_dsn)
    totals = build_draw_tables(conn, fresh_schema)
    begin(conn, fresh_schema, "skew-test")
    conn.close()
    for seed in (1, 2, 3):
        _inserts(pg_dsn, fresh_schema, totals.conv_total, totals.user_total, seed)
        share = _share(pg_dsn, fresh_schema)
        assert share["heavy_conversations"] == 8  # 2% of the ci band's 400 conversations
        assert share["inserts"] > 200  # enough for a 4-sigma band of about +-0.12
        assert share["expected_share"] > 0.2  # heavy rooms carry a large share of traffic
        assert share["within"], share
        # every sender is an active member of the conversation (or its creator if none)
        strays = pg_exec(pg_dsn, f"""SELECT count(*) FROM {qualified(fresh_schema, 'messages')} m
            WHERE m."idempotencyKey" LIKE $1 AND NOT EXISTS (
                SELECT 1 FROM {qualified(fresh_schema, 'conversation_users')} cu
                WHERE cu."conversationId" = m."conversationId" AND cu."userId" = m."senderId"
                  AND cu."isActive")
              AND m."senderId" <> (SELECT "creatorId" FROM {qualified(fresh_schema, 'conversations')}
                                   WHERE "id" = m."conversationId")""",
                         (MARKER_KEY_PREFIX + "%",))[0][0]
        assert strays == 0
        clean_schema(pg_dsn, fresh_schema)
        conn = connect(pg_dsn)
        begin(conn, fresh_schema, "skew-test")
        conn.close()

    # planted fault: a uniform draw table (every conversation weight 1 in the draw, while
    # the traffic weights stay) must fail the same check
    conv = helper_table(fresh_schema, "conv")
    pg_exec(pg_dsn, f"CREATE TABLE {conv[:-1]}_planted\" AS SELECT row_number() OVER (ORDER BY hi) "
                    f"AS hi, cid, weight, moff, nm, last_msg FROM {conv}")
    pg_exec(pg_dsn, f"DROP TABLE {conv}")
    pg_exec(pg_dsn, f"ALTER TABLE {conv[:-1]}_planted\" ADD PRIMARY KEY (hi)")
    pg_exec(pg_dsn, f"ALTER TABLE {conv[:-1]}_planted\" RENAME TO {conv.split('.')[1]}")
    _inserts(pg_dsn, fresh_schema, totals.conversations, totals.user_total, 1)
    share = _share(pg_dsn, fresh_schema)
    assert share["inserts"] > 200
    assert not share["within"], share
    assert share["observed_share"] < share["expected_share"] / 3
    clean_schema(pg_dsn, fresh_schema)
