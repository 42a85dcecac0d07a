"""``validate s3://...``: the gate reads a dataset where ``generate --out s3://...`` put it (a local
moto server), and judges it exactly as the identical local copy; a missing or tampered object is
named, a URL without a manifest, an unreachable endpoint or an unknown scheme is one line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.fidelity import validate_dataset
from tests.fidelity.conftest import failed
from tests.fixtures.s3 import S3, s3_env  # noqa: F401  (the fixture)

SEED = "url_read_v1"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _judged(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Every check's verdict and numbers (not the timings)."""
    return {c["name"]: (c["kind"], c["severity"], c.get("target"), c.get("achieved"),
                        c.get("deviation"), c.get("band"), c.get("detail"))
            for c in doc["checks"]}


@pytest.fixture(scope="module")
def tiny_url(s3_env: S3, tiny_dataset: Path) -> str:  # noqa: F811
    return s3_env.put_tree(tiny_dataset, "tiny")


def test_tiny_at_a_url_is_judged_as_the_local_copy(s3_env: S3, tiny_dataset: Path,  # noqa: F811
                                                  tiny_url: str, tmp_path: Path) -> None:
    local = validate_dataset(tiny_dataset, out=tmp_path / "local.json")
    remote = validate_dataset(tiny_url, out=tmp_path / "remote.json")
    assert remote["decision"] == local["decision"]
    assert _judged(remote) == _judged(local)
    assert remote["dataset"] == tiny_url


def test_the_report_goes_beside_the_data_at_the_url(s3_env: S3, tiny_url: str  # noqa: F811
                                                    ) -> None:
    prefix = s3_env.copy_prefix("tiny")
    got = _cli("validate", s3_env.url(prefix))
    assert got.exit_code in (0, 1), got.output  # the tiny dataset's own verdict, either way
    assert f"report: {s3_env.url(prefix)}/fidelity.json" in got.output
    body = s3_env.client().get_object(Bucket=s3_env.bucket, Key=f"{prefix}/fidelity.json")
    assert json.loads(body["Body"].read())["decision"] == ("GO" if got.exit_code == 0
                                                          else "NO-GO")


@pytest.mark.parametrize("fault", ["missing", "tampered", "stray"])
def test_a_broken_object_is_named(s3_env: S3, tiny_url: str, tmp_path: Path,  # noqa: F811
                                  fault: str) -> None:
    prefix = s3_env.copy_prefix("tiny")
    rel = "messages/part=00000/data.parquet"
    if fault == "missing":
        s3_env.delete(prefix, rel)
        check = "manifest.files_present"
    elif fault == "tampered":
        s3_env.flip_byte(prefix, rel)
        check = "manifest.checksums"
    else:
        s3_env.client().copy_object(Bucket=s3_env.bucket, Key=f"{prefix}/messages/part=00009/"
                                    "data.parquet",
                                    CopySource={"Bucket": s3_env.bucket, "Key": f"{prefix}/{rel}"})
        rel, check = "messages/part=00009/data.parquet", "manifest.no_stray_files"
    got = _cli("validate", s3_env.url(prefix), "--json", "--out", str(tmp_path / "f.json"))
    assert got.exit_code == 1, got.output
    doc = json.loads((tmp_path / "f.json").read_text())
    assert check in failed(doc)
    named = next(c for c in doc["checks"] if c["name"] == check)
    assert rel in json.dumps(named)


def test_a_url_without_a_manifest_is_incomplete_exit_2(s3_env: S3, tiny_url: str  # noqa: F811
                                                       ) -> None:
    prefix = s3_env.copy_prefix("tiny")
    s3_env.delete(prefix, "manifest.json")
    got = _cli("validate", s3_env.url(prefix))
    assert got.exit_code == 2, got.output
    assert got.output.strip().splitlines()[-1] == (
        f"error: {s3_env.url(prefix)} has no manifest.json: not a complete synthgen dataset "
        "(generation was interrupted, or this is not a dataset)")


def test_too_little_room_to_stage_is_exit_3(s3_env: S3, tiny_url: str,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**9, 10**9 - 1000, 1000))
    got = _cli("validate", tiny_url)
    assert got.exit_code == 3, got.output
    assert "set TMPDIR to a larger disk" in got.output


@pytest.mark.slow  # the S3 client retries a refused connection: ~8 s
def test_an_unreachable_endpoint_is_one_line_exit_3_without_secrets(s3_env: S3  # noqa: F811
                                                                    ) -> None:
    env = {**s3_env.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "1"}
    url = f"s3://AKIDSECRETUSER:hunter2secret@{s3_env.bucket}/tiny?region=us-east-1"
    got = subprocess.run([sys.executable, "-m", "synthgen", "validate", url],
                         capture_output=True, text=True, check=False, env=env, timeout=120)
    assert got.returncode == 3, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1, got.stderr
    assert got.stderr.startswith(f"error: cannot read s3://***@{s3_env.bucket}/tiny")
    assert "hunter2secret" not in got.stderr + got.stdout
    assert "AKIDSECRETUSER" not in got.stderr + got.stdout


@pytest.mark.parametrize(("url", "says"), [("nosuchfs://bucket/ds", "unknown URL scheme"),
                                           ("hdfs://namenode/ds", "cannot open hdfs://")])
def test_a_scheme_without_its_filesystem_is_one_line(url: str, says: str) -> None:
    got = _cli("validate", url)
    assert got.exit_code in (2, 3), got.output
    assert says in got.output
    assert len(got.output.strip().splitlines()) == 1, got.output


@pytest.mark.slow
def test_ci_generated_to_s3_validates_as_its_local_copy(s3_env: S3,  # noqa: F811
                                                        tmp_path: Path) -> None:
    url = s3_env.url("ci")
    made = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci",
                           "--seed", SEED, "--out", url], capture_output=True, text=True,
                          check=False, env=s3_env.env)
    assert made.returncode == 0, made.stderr
    local = s3_env.get_tree("ci", tmp_path / "ci")
    t0 = time.perf_counter()
    here = validate_dataset(local, out=tmp_path / "local.json")
    t1 = time.perf_counter()
    there = validate_dataset(url, out=tmp_path / "remote.json")
    t2 = time.perf_counter()
    print(f"validate ci: local {t1 - t0:.2f} s, from the URL {t2 - t1:.2f} s")
    assert there["decision"] == here["decision"]
    assert _judged(there) == _judged(here)
    assert len(_judged(here)) > 50  # the whole gate ran, not a file check alone
    assert there["distributions"] == here["distributions"]
