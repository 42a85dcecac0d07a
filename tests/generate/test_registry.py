"""The builder registry covers every table once; spec_check is one typed result for all callers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synthgen.errors import SpecError
from synthgen.generate import spec_check
from synthgen.generate.tables.registry import BUILDERS, builders
from synthgen.schema import TABLE_NAMES
from synthgen.spec import DEFAULT_SPEC_PATH, apply_overrides, load_spec, spec_from_dict

BASE: dict[str, Any] = json.loads(DEFAULT_SPEC_PATH.read_text())
OPTIONAL = ("message_reads", "message_receipts", "attachments")


def test_every_table_has_exactly_one_builder_in_schema_order() -> None:
    assert tuple(b.table for b in BUILDERS) == TABLE_NAMES


def test_partition_kinds_split_users_from_conversations() -> None:
    spec = load_spec()
    assert [b.table for b in builders("users", spec)] == ["users"]
    assert [b.table for b in builders("conversations", spec)] == list(TABLE_NAMES[1:])


@pytest.mark.parametrize("off", OPTIONAL)
def test_a_table_switched_off_is_not_built(off: str) -> None:
    spec = spec_from_dict(apply_overrides(BASE, {f"tables.{off}": False}))
    built = [b.table for b in builders("conversations", spec)]
    assert off not in built
    assert set(built) == set(TABLE_NAMES[1:]) - {off}


def test_spec_check_report_shape() -> None:
    check = spec_check("ci", seed="registry")
    doc = check.to_json()
    assert list(doc) == ["format", "band", "seeds", "feasible_within", "targets",
                         "calendar_fano", "references", "feasible", "adjustments", "reads",
                         "estimates", "disk_warning"]
    assert doc["band"] == "ci" == check.band.name
    assert doc["feasible"] is check.feasible
    assert {t["metric"] for t in doc["targets"] if not t["feasible"]} == set(check.infeasible)
    assert list(doc["estimates"]) == list(TABLE_NAMES)
    assert doc["estimates"]["messages"]["rows"] == check.band.messages
    assert doc["disk_warning"] is None  # no `out`: no free-space check
    assert check.feasibility.to_json() == {k: doc[k] for k in doc
                                           if k not in ("reads", "estimates", "disk_warning")}
    assert doc["reads"]["max_recipients"] == 1
    assert 0 < doc["reads"]["heavy_room_member_coverage"] < doc["reads"]["reads_per_message"]


def test_spec_check_reports_free_space_where_asked(tmp_path: Path) -> None:
    assert spec_check("ci", out=tmp_path / "not-yet", seed="registry").disk_warning is None


def test_unplannable_band_is_a_spec_error(tmp_path: Path) -> None:
    band = tmp_path / "tiny.toml"
    band.write_text('name = "tiny"\nusers = 10\nconversations = 50\nmessages = 20\n'
                    'window_days = 7\nwindow_end = "2026-11-01T00:00:00"\n')
    with pytest.raises(SpecError, match="band tiny cannot be generated with this spec"):
        spec_check(str(band))
