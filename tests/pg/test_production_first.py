"""A production environment is refused before anything starts: no embedded server, no data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app


@pytest.mark.parametrize("argv", [["load", "DATASET"], ["teardown", "--yes"]])
def test_production_is_refused_before_the_embedded_server_starts(
        tmp_path: Path, argv: list[str]) -> None:
    data_dir = tmp_path / "server"
    args = [str(tmp_path) if a == "DATASET" else a for a in argv]
    result = CliRunner().invoke(app, args, env={"APP_ENV": "production",
                                                "SYNTHGEN_DATA_DIR": str(data_dir),
                                                "SYNTHGEN_DSN": None})
    assert result.exit_code == 3, result.output
    assert "production" in result.output
    assert not data_dir.exists()  # resolve() never ran: nothing was created or started
