"""Runs against different targets keep their own reports; the same target's is replaced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthgen.dataset import REPORT_HTML, REPORT_JSON, REPORT_MD
from synthgen.pipeline.runner import save_target_copy, target_slug

FIXTURE = Path(__file__).parents[1] / "report" / "fixtures" / "report.json"


def _doc(dsn: str, schema: str, seed: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FIXTURE.read_text())
    doc["target"] = {"dsn": dsn, "schema": schema, "embedded": False}
    doc["seed"] = seed
    doc.pop("spec_check", None)  # rendering the fixture's older spec-check shape is not the point
    return doc


def test_each_target_keeps_its_latest_report(tmp_path: Path) -> None:
    a = save_target_copy(_doc("postgresql://postgres@127.0.0.1:5432/test", "s", "one"), tmp_path)
    b = save_target_copy(_doc("postgresql://postgres@127.0.0.1:41000/postgres", "s", "two"),
                         tmp_path)
    c = save_target_copy(_doc("postgresql://postgres@127.0.0.1:5432/test", "other", "three"),
                         tmp_path)
    assert a is not None
    assert b is not None
    assert c is not None
    assert len({a, b, c}) == 3
    for where, seed in ((a, "one"), (b, "two"), (c, "three")):
        assert {p.name for p in where.iterdir()} == {REPORT_JSON, REPORT_MD, REPORT_HTML}
        assert json.loads((where / REPORT_JSON).read_text())["seed"] == seed
    again = save_target_copy(_doc("postgresql://postgres@127.0.0.1:5432/test", "s", "four"),
                             tmp_path)
    assert again == a
    assert json.loads((a / REPORT_JSON).read_text())["seed"] == "four"
    assert json.loads((b / REPORT_JSON).read_text())["seed"] == "two"


def test_no_target_no_copy(tmp_path: Path) -> None:
    doc = _doc("x", "s", "one")
    doc["target"] = None
    assert save_target_copy(doc, tmp_path) is None
    assert not (tmp_path / "reports").exists()


def test_slug_never_holds_a_password_or_a_path_separator() -> None:
    slug = target_slug({"dsn": "postgresql://app:***@db/x?sslmode=require", "schema": "a/b"})
    assert "/" not in slug
    assert "***" not in slug
