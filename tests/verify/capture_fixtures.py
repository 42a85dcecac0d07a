"""Re-capture the stored EXPLAIN fixtures from a live server (not a test; run by hand).

    python -m tests.verify.capture_fixtures postgresql://postgres@127.0.0.1:5432/test

Builds the mini dataset in schema ``verify_fixtures`` and forces each plan shape with SET
commands, then writes ``tests/verify/fixtures/<name>.json`` (the server's raw output).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.verify import minidata

SCHEMA = "verify_fixtures"
M = f'{SCHEMA}."messages"'
SHAPES: dict[str, tuple[list[str], str]] = {
    "sort_topn": (["SET enable_indexscan = off", "SET enable_bitmapscan = off"],
                  f"SELECT * FROM {M} WHERE \"conversationId\" = 'c1' "
                  "ORDER BY \"createdAt\" DESC LIMIT 50"),
    "sort_spill": (["SET work_mem = '64kB'", "SET max_parallel_workers_per_gather = 0"],
                   f"SELECT \"id\", \"content\" FROM {M} ORDER BY \"content\", \"id\""),
    "incremental_sort": ([], f"SELECT * FROM {M} ORDER BY \"conversationId\", \"createdAt\", "
                             "\"id\" LIMIT 50"),
    "index_only_backward": ([], f"SELECT \"conversationId\", \"createdAt\" FROM {M} "
                                "WHERE \"conversationId\" = 'c5' ORDER BY \"createdAt\" DESC "
                                "LIMIT 50"),
    "index_backward": ([], f"SELECT * FROM {M} WHERE \"conversationId\" = 'c5' "
                           "ORDER BY \"createdAt\" DESC LIMIT 50"),
    "bitmap": (["SET enable_indexscan = off"],
               f"SELECT count(*) FROM {M} WHERE \"conversationId\" = 'c0'"),
    "parallel_gather_merge": (["SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
                               "SET min_parallel_table_scan_size = 0",
                               "SET max_parallel_workers_per_gather = 2"],
                              f"SELECT \"id\", \"content\" FROM {M} ORDER BY \"content\" LIMIT 10"),
    "nested_loop": (["SET enable_hashjoin = off", "SET enable_mergejoin = off"],
                    f"SELECT u.\"id\", u.\"isOnline\" FROM {SCHEMA}.\"conversation_users\" AS cu "
                    f"JOIN {SCHEMA}.\"users\" AS u ON u.\"id\" = cu.\"userId\" "
                    "WHERE cu.\"conversationId\" = 'c0' AND cu.\"isActive\" = true"),
}


def main(dsn: str) -> None:
    from synthgen.pg.connect import connect, execute

    minidata.build(dsn, SCHEMA)
    out = Path(__file__).parent / "fixtures"
    conn = connect(dsn, autocommit=True)
    try:
        execute(conn, f'VACUUM (ANALYZE) {M}')
        for name, (sets, sql) in SHAPES.items():
            execute(conn, "RESET ALL")
            execute(conn, "SET jit = off")
            for s in sets:
                execute(conn, s)
            rows = execute(conn, f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
            (out / f"{name}.json").write_text(str(rows[0][0]) + "\n")
            print(name)
        execute(conn, f"DROP SCHEMA {SCHEMA} CASCADE")
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
