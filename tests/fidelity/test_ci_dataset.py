"""The gate on a real generated `ci` dataset: GO as generated, NO-GO when broken, GO repaired."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from synthgen.fidelity import validate_dataset
from synthgen.fidelity.report import JSON_SCHEMA
from synthgen.metrics import METRICS
from tests.fidelity.conftest import failed
from tests.fidelity.test_faults import FAULTS, restore

pytestmark = pytest.mark.slow  # every test reads the generated ci dataset


@pytest.fixture(scope="module")
def ci_report(ci_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return validate_dataset(ci_dataset, out=tmp_path_factory.mktemp("ci-report") / "f.json")


def test_generated_ci_dataset_is_go(ci_report: dict[str, Any]) -> None:
    assert ci_report["decision"] == "GO", ci_report["reasons"]
    checks = ci_report["checks"]
    assert isinstance(checks, list)
    assert [c["name"] for c in checks if c["severity"] in ("failed", "critical")] == []


def test_report_follows_its_schema_and_covers_every_metric(ci_report: dict[str, Any]
                                                           ) -> None:
    jsonschema.validate(ci_report, JSON_SCHEMA)
    checks = ci_report["checks"]
    assert isinstance(checks, list)
    names = {c["name"] for c in checks}
    assert set(METRICS) <= names
    assert ci_report["skipped"] == []
    kinds = {c["kind"] for c in checks}
    assert kinds == {"distribution", "integrity", "pii"}


def test_infeasible_targets_are_flagged(ci_dataset: Path, ci_report: dict[str, Any]) -> None:
    manifest = json.loads((ci_dataset / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"spec.json", "band.json", "feasibility.json"}
    feas = json.loads((ci_dataset / "feasibility.json").read_text())
    infeasible = {t["metric"] for t in feas["targets"] if not t["feasible"]}
    checks = ci_report["checks"]
    assert isinstance(checks, list)
    flagged = {c["name"] for c in checks if c["infeasible"]}
    assert flagged == infeasible
    for c in checks:
        if c["infeasible"]:
            assert c["source"] == "feasibility"
            assert c["spec_target"] is not None


def test_validation_is_deterministic(ci_dataset: Path, ci_report: dict[str, Any],
                                     tmp_path: Path) -> None:
    again = validate_dataset(ci_dataset, out=tmp_path / "f.json")
    assert again["checks"] == ci_report["checks"]


@pytest.mark.parametrize("fault", ["orphan message", "sender not a member",
                                   "non-monotonic timestamp", "duplicated idempotencyKey",
                                   "email", "stale checksum", "edited feasibility.json"])
def test_fault_on_generated_data(fault: str, ci_dataset: Path, tmp_path: Path,
                                 ci_report: dict[str, Any]) -> None:
    copy = Path(shutil.copytree(ci_dataset, tmp_path / "ci"))
    f = FAULTS[fault]
    f.break_(copy)
    doc = validate_dataset(copy)
    assert doc["decision"] == "NO-GO"
    assert f.expect in failed(doc)
    assert failed(doc) - failed(ci_report) - f.also == {f.expect}
    restore(copy, ci_dataset)
    assert validate_dataset(copy)["decision"] == "GO"


def test_media_ratio_of_40_percent_on_generated_data(ci_dataset: Path, tmp_path: Path,
                                                    ci_report: dict[str, Any]) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from tests.fidelity.mutate import rewrite

    copy = Path(shutil.copytree(ci_dataset, tmp_path / "ci"))

    def to_media(t: pa.Table) -> pa.Table:
        is_text = np.asarray(pc.equal(t.column("type"), "TEXT"))
        needed = int(0.4 * t.num_rows) - int((~is_text).sum())
        flip = is_text & (np.cumsum(is_text) <= needed)
        idx = t.schema.get_field_index("type")
        return t.set_column(idx, t.schema.field(idx),
                            pc.if_else(pa.array(flip), "IMAGE", t.column("type")))

    rewrite(copy, "messages", to_media)
    doc = validate_dataset(copy)
    media = next(c for c in doc["checks"] if c["name"] == "media.ratio")
    assert media["achieved"] == pytest.approx(0.4, abs=0.002)
    assert media["severity"] == "critical"
    assert doc["decision"] == "NO-GO"
    # The message-type mix is the same fault seen whole: 25% of messages moved TEXT -> IMAGE;
    # those IMAGE messages carry no image; and every one of them keeps its text, so media
    # messages now have a caption far more often than the spec's 30%.
    assert failed(doc) - failed(ci_report) == {"media.ratio", "distance.message_type_tv",
                                               "attachments.media_message_has_its_attachment",
                                               "messages.caption_share"}
