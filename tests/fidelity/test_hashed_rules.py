"""Membership and sender rules compared on 64-bit hashes count exactly what the same rules
compared on the ids count, on every relation fault; and a hash shared by two ids makes the
gate compare ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from synthgen.fidelity import integrity
from synthgen.fidelity.distributions import PASS_AGGREGATES
from synthgen.fidelity.inputs import connect, load_inputs
from synthgen.fidelity.prepare import prepare
from tests.fidelity import test_faults as faults

RELATION_TABLES = ("conversations", "conversation_users", "messages", "message_reads",
                   "message_receipts", "attachments")


def both_ways(root: Path) -> tuple[dict[str, tuple[int, tuple[str, ...]]], ...]:
    """Every relation check's (count, examples) and pass aggregates, by value and by hash."""
    con = connect(load_inputs(root))
    try:
        assert prepare(con)
        out = []
        for hashed in (False, True):
            got: dict[str, tuple[int, tuple[str, ...]]] = {}
            for table in RELATION_TABLES:
                checks, values = integrity.relation_checks(con, table, PASS_AGGREGATES.get(table),
                                                           hashed=hashed)
                got |= {c.name: (int(c.achieved or 0), c.examples) for c in checks}
                got |= {f"{table}.{k}": (v, ()) for k, v in values.items()}
            out.append(got)
        return tuple(out)
    finally:
        con.close()


RELATION_FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    name: (faults.FAULTS[name].break_, faults.FAULTS[name].expect)
    for name in ("orphan message", "sender not a member", "reader is the sender",
                 "reader not a member", "recipient not a member", "recipient is the sender",
                 "orphan receipt", "attachment on TEXT", "read before message",
                 "status below a receipt", "status above its receipts",
                 "media message of another type", "media message without its attachment",
                 "DELETED without deletedAt")}


@pytest.mark.parametrize("fault", list(RELATION_FAULTS), ids=list(RELATION_FAULTS))
def test_hashed_rules_count_what_the_ids_count(fault: str, tiny_copy: Path) -> None:
    break_, expect = RELATION_FAULTS[fault]
    break_(tiny_copy)
    by_value, by_hash = both_ways(tiny_copy)
    assert by_value[expect][0] >= 1, "the planted fault must be visible by value"
    assert by_hash == by_value


def test_clean_dataset_counts_agree(tiny_dataset: Path) -> None:
    by_value, by_hash = both_ways(tiny_dataset)
    assert by_hash == by_value
    rules = [n for n in by_value if n.startswith("fk.") or n.split(".", 1)[1] in {
        r for rules in integrity.SEMANTIC.values() for r in rules}]
    assert len(rules) >= 15
    assert all(by_value[n][0] == 0 for n in rules)


def test_a_shared_hash_makes_the_rules_compare_ids(tiny_dataset: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real_keys, real_relations = integrity.key_checks, integrity.relation_checks

    def keys(con, table):  # type: ignore[no-untyped-def]
        checks, apart = real_keys(con, table)
        return checks, apart and table != "users"  # as if two user ids shared a hash

    def relations(con, table, extra=None, *, hashed=False):  # type: ignore[no-untyped-def]
        seen.append(hashed)
        return real_relations(con, table, extra, hashed=hashed)

    con = connect(load_inputs(tiny_dataset))
    try:
        assert prepare(con)
        monkeypatch.setattr(integrity, "relation_checks", relations)
        integrity.run_integrity(con, True)
        assert len(seen) >= len(RELATION_TABLES)
        assert set(seen) == {True}
        seen.clear()
        monkeypatch.setattr(integrity, "key_checks", keys)
        integrity.run_integrity(con, True)
        assert len(seen) >= len(RELATION_TABLES)
        assert set(seen) == {False}
    finally:
        con.close()
