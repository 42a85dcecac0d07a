"""Every key, foreign-key and enum check is shown able to fail, generated from the schema:
break one row of one column, expect NO-GO naming that check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from synthgen.ddl import FOREIGN_KEYS, UNIQUE, ForeignKey
from synthgen.fidelity import validate_dataset
from synthgen.schema import TABLES
from tests.fidelity.conftest import failed
from tests.fidelity.mutate import rewrite

# ~60 cases, each running the whole gate on the tiny dataset (~0.5-1 s): too much for the
# fast loop; tests/fidelity/test_faults.py keeps single gate runs in it.
pytestmark = pytest.mark.slow

KEYS = [(t, k) for t in TABLES for k in [("id",), *(k for k in UNIQUE[t] if "id" not in k)]]
ENUM_COLUMNS = [(t, c.name) for t, cols in TABLES.items() for c in cols if c.enum]


def _first_non_null(t: pa.Table, column: str) -> int:
    return int(pc.index(pc.is_valid(t.column(column)), True).as_py())


def _copy_value(columns: tuple[str, ...]) -> Callable[[pa.Table], pa.Table]:
    """Give row B the key of row A (two rows with non-null key columns)."""
    def fn(t: pa.Table) -> pa.Table:
        a = _first_non_null(t, columns[0])
        b = a + 1
        for col in columns:
            idx = t.schema.get_field_index(col)
            values = t.column(col).to_pylist()
            values[b] = values[a]
            t = t.set_column(idx, t.schema.field(idx), pa.array(values, t.schema.field(idx).type))
        return t
    return fn


def _set_value(column: str, value: str) -> Callable[[pa.Table], pa.Table]:
    def fn(t: pa.Table) -> pa.Table:
        idx = t.schema.get_field_index(column)
        values = t.column(column).to_pylist()
        values[_first_non_null(t, column)] = value
        return t.set_column(idx, t.schema.field(idx), pa.array(values, t.schema.field(idx).type))
    return fn


@pytest.mark.parametrize(("table", "key"), KEYS, ids=[f"{t}.{'_'.join(k)}" for t, k in KEYS])
def test_key_check_can_fail(table: str, key: tuple[str, ...], tiny_copy: Path,
                            tiny_targets: dict[str, float]) -> None:
    rewrite(tiny_copy, table, _copy_value(key))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    name = f"{'pk' if key == ('id',) else 'unique'}.{table}.{'_'.join(key)}"
    assert name in failed(doc)
    check = next(c for c in doc["checks"] if c["name"] == name)
    assert check["achieved"] == 1
    assert len(check["examples"]) == 1
    assert doc["decision"] == "NO-GO"


@pytest.mark.parametrize("fk", FOREIGN_KEYS, ids=[fk.name for fk in FOREIGN_KEYS])
def test_foreign_key_check_can_fail(fk: ForeignKey, tiny_copy: Path,
                                    tiny_targets: dict[str, float]) -> None:
    if fk.column == "replyToId":
        pytest.skip("the tiny dataset has no replies; covered by test_faults 'orphan reply'")
    rewrite(tiny_copy, fk.table, _set_value(fk.column, "zz-dangling"))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    check = next(c for c in doc["checks"] if c["name"] == f"fk.{fk.table}.{fk.column}")
    assert check["severity"] == "failed"
    assert check["achieved"] == 1
    assert doc["decision"] == "NO-GO"


@pytest.mark.parametrize(("table", "column"), ENUM_COLUMNS,
                         ids=[f"{t}.{c}" for t, c in ENUM_COLUMNS])
def test_enum_check_can_fail(table: str, column: str, tiny_copy: Path,
                             tiny_targets: dict[str, float]) -> None:
    rewrite(tiny_copy, table, _set_value(column, "NOT_A_VALUE"))
    doc = validate_dataset(tiny_copy, targets_override=tiny_targets)
    assert f"enum.{table}.{column}" in failed(doc)
    assert doc["decision"] == "NO-GO"
