"""Placeholder-free smoke test: the shipped spec loads and matches its JSON Schema."""

import json

import jsonschema

from synthgen.spec import DEFAULT_SPEC_PATH, json_schema, load_spec, spec_to_dict


def test_shipped_spec_loads_and_validates_against_schema() -> None:
    spec = load_spec()
    raw = json.loads(DEFAULT_SPEC_PATH.read_text())
    jsonschema.validate(raw, json_schema())
    assert spec_to_dict(spec)["messages"]["heavy_rooms"]["min_messages"] == 10000
