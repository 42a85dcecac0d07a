"""The export gate: strict schema + PII scan; refusals name the path, never the value."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from synthgen.errors import GateFailed
from synthgen.sample.export import build_export
from synthgen.sample.gate import check_export, scan, validate
from synthgen.sample.measures import MEASURES, window_measures
from synthgen.sample.queries import Cat, Hist, Quant, RawCounts, RawQuantiles, RawScalar


def clean_doc() -> dict[str, Any]:
    """A schema-valid export built from made-up raw aggregates (no database)."""
    measures = MEASURES + window_measures(30)
    raw: dict[str, Any] = {}
    for m in measures:
        if isinstance(m, Hist | Cat):
            n = len(m.edges) if isinstance(m, Hist) else len(m.labels)
            raw[m.name] = RawCounts([100 + i for i in range(n)], [50] * n, 0)
        elif isinstance(m, Quant):
            raw[m.name] = RawQuantiles([float(i + 1) for i in range(len(m.probs))], 5000, 5000, 3.0)
        else:
            raw[m.name] = RawScalar(0.5, 5000)
    return build_export(measures, raw, window_days=30, k=10, noised=None)


def test_clean_export_passes() -> None:
    doc = clean_doc()
    assert scan(doc) == []
    assert validate(doc) == []
    check_export(doc)


def _set(doc: dict[str, Any], path: list[Any], value: Any) -> None:
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


PLANTED = "john.smith@gmail.com"

CASES = [
    # (where, how to plant, expected path in the message, expected reason)
    ("email as a label", ["metrics", "message_type.mix", "labels", 2], PLANTED,
     '$.metrics["message_type.mix"].labels[2]', "email"),
    ("email replacing a count", ["metrics", "content_length.histogram", "counts", 0], PLANTED,
     '$.metrics["content_length.histogram"].counts[0]', "email"),
    ("cuid replacing a scalar", ["metrics", "reads.read_rate"], "ckv9x2m3p0000qwertyuiopas",
     '$.metrics["reads.read_rate"]', "cuid-shaped id"),
    ("uuid replacing a quantile", ["metrics", "content_length.quantiles", "values", 1],
     "123e4567-e89b-12d3-a456-426614174000", '$.metrics["content_length.quantiles"].values[1]',
     "id"),
    ("name replacing the unit of privacy", ["unit_of_privacy"],
     "Margaret Thompson", "$.unit_of_privacy", "person name"),
    ("phone in the format field", ["format"], "+1 (415) 555-0123", "$.format", "phone number"),
    ("url as a k", ["k"], "https://www.example-family.com/x", "$.k", "URL"),
    ("street address as epsilon", ["epsilon"], "221 Baker Street", "$.epsilon", "street address"),
    ("phone digits as a number", ["metrics", "population.users"], 14155550123,
     '$.metrics["population.users"]', "phone number"),
]


@pytest.mark.parametrize(("where", "path", "value", "shown", "reason"), CASES,
                         ids=[c[0] for c in CASES])
def test_gate_refuses_planted_value(where: str, path: list[Any], value: Any, shown: str,
                                    reason: str) -> None:
    doc = clean_doc()
    _set(doc, path, value)
    with pytest.raises(GateFailed) as exc:
        check_export(doc)
    msg = str(exc.value)
    assert shown in msg
    assert reason in msg
    assert str(value) not in msg
    assert exc.value.exit_code == 1


@pytest.mark.parametrize("key", [PLANTED, "Margaret", "ckv9x2m3p0000qwertyuiopas", "extra"])
def test_unknown_key_is_refused_without_showing_it(key: str) -> None:
    doc = clean_doc()
    doc["metrics"]["reads.read_rate"] = {key: 1}
    doc["metrics"][key] = 0.5
    with pytest.raises(GateFailed) as exc:
        check_export(doc)
    msg = str(exc.value)
    assert key not in msg
    assert "<unknown key>" in msg


def test_schema_rejects_wrong_shapes() -> None:
    doc = clean_doc()
    bad = copy.deepcopy(doc)
    bad["metrics"]["conversation_size.classes"]["edges"] = [0, 2, 3, 22]  # not the public edges
    assert any("conversation_size.classes" in p for p in validate(bad))
    bad = copy.deepcopy(doc)
    del bad["metrics"]["reads.read_rate"]
    assert validate(bad)
    bad = copy.deepcopy(doc)
    bad["metrics"]["reads.read_rate"] = True
    assert validate(bad)


def test_clean_doc_is_json_serialisable() -> None:
    assert json.loads(json.dumps(clean_doc()))["format"] == "synthgen.shape-metrics"
