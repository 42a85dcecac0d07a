"""``generate --out s3://...``: a local S3-compatible server (moto, on loopback) receives the very
bytes a local run writes; a missing bucket or an unknown scheme is one line and its exit code."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.generate.test_resume import SEED, tree

pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "synthgen-test"


@pytest.fixture(scope="module")
def s3_env() -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 and the environment that points clients at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://{host}:{port}",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing"
                 ).create_bucket(Bucket=BUCKET)
    yield env
    server.stop()


def _objects(env: dict[str, str], prefix: str) -> dict[str, str]:
    """sha256 of every object under the prefix, by name relative to it (bar generation.json)."""
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    out: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            rel = obj["Key"].removeprefix(prefix + "/")
            # "dir/" keys are the empty directory markers pyarrow leaves after a delete: no
            # reader sees them as files
            if rel != "generation.json" and not obj["Key"].endswith("/"):
                body = s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
                out[rel] = hashlib.sha256(body).hexdigest()
    return out


def _generate(env: dict[str, str], out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                           SEED, "--out", out, "--json", *extra], capture_output=True, text=True,
                          check=False, env=env)


@pytest.mark.slow
def test_s3_round_trip_is_byte_identical(s3_env: dict[str, str], tmp_path: Path) -> None:
    local = tmp_path / "local"
    assert _generate(s3_env, str(local), "--workers", "1").returncode == 0
    got = _generate(s3_env, f"s3://{BUCKET}/ci", "--workers", "2")
    assert got.returncode == 0, got.stderr
    assert _objects(s3_env, "ci") == tree(local)
    assert "testing" not in got.stdout + got.stderr  # the credentials are never printed
    # resume against the store: nothing to redo, same objects
    again = _generate(s3_env, f"s3://{BUCKET}/ci", "--resume")
    assert again.returncode == 0, again.stderr
    assert '"kept": 8' in again.stdout
    assert _objects(s3_env, "ci") == tree(local)


@pytest.mark.slow
def test_missing_bucket_is_one_line_exit_3(s3_env: dict[str, str]) -> None:
    got = _generate(s3_env, "s3://no-such-bucket-i14/ci")
    assert got.returncode == 3, got.stderr
    assert got.stderr.startswith("error: cannot write the dataset to s3://no-such-bucket-i14/ci")
    assert len(got.stderr.strip().splitlines()) == 1


def test_unknown_scheme_is_one_line_exit_2(tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                          SEED, "--out", "nosuchfs://bucket/ci"], capture_output=True, text=True,
                         check=False)
    assert got.returncode == 2, got.stderr
    assert "nosuchfs://" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
