"""Run tasks on a Dask distributed cluster (``--cluster tcp://host:8786`` or ``local:N``).

Shared by ``generate --cluster`` (a task per partition to write) and ``load --cluster`` (a
task per ledger unit to load). Dask is an optional extra (``pip install
'synthgen[cluster]'``), imported only here and only when a cluster is asked for.

A worker that dies mid-task has its task re-run elsewhere by the scheduler (up to its
``distributed.scheduler.allowed-failures``, 3 by default); a task that raises is re-run
``TASK_RETRIES`` times. So a task must be safe to run twice: generation writes whole files
(temporary name or single upload), loading commits a unit with its ledger row. Losing the
scheduler, or a task that killed every worker it ran on, is a one-line EnvironmentProblem.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from synthgen.errors import EnvironmentProblem, InputError

CONNECT_TIMEOUT_S = 10
"""How long to wait for a remote scheduler before giving up."""
TASK_RETRIES = 3
"""Times the scheduler re-runs a task that raised (a dead worker counts as allowed-failures)."""
LOCAL_PREFIX = "local:"


def _dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError("--cluster needs Dask distributed: pip install 'synthgen[cluster]'"
                         ) from None
    return distributed


def parse_address(address: str) -> int | str:
    """``local:N`` → N worker processes; a scheduler URL (tcp://, tls://...) is kept as is."""
    if address.startswith(LOCAL_PREFIX):
        n = address.removeprefix(LOCAL_PREFIX)
        if not n.isdigit() or int(n) < 1:
            raise InputError(f"--cluster {address}: expected local:N with N >= 1 workers")
        return int(n)
    if "://" not in address:
        raise InputError(f"--cluster {address}: expected a scheduler address "
                         "(tcp://host:8786) or local:N")
    return address


def _first_line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


@contextlib.contextmanager
def client(address: str) -> Iterator[Any]:
    """A connected Dask client (and its local cluster, for local:N); one-line errors."""
    target = parse_address(address)
    distributed = _dask()
    if isinstance(target, int):
        # one single-threaded worker process per partition at a time, as the process pool
        with distributed.LocalCluster(n_workers=target, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as c:
            yield c
        return
    try:
        c = distributed.Client(target, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as e:
        raise EnvironmentProblem(f"cannot reach the Dask scheduler at {target}: "
                                 f"{_first_line(e)}") from None
    with c:
        yield c


def preflight(address: str) -> None:
    """Fail now, before anything is written, when the cluster cannot be used.

    Checks the address, that Dask is installed, and that a remote scheduler answers (a
    local:N cluster is started later, when its tasks are ready).
    """
    if isinstance(parse_address(address), str):
        with client(address):
            pass
    else:
        _dask()


def submit(c: Any, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """One future per call of fn(*call), each re-run on failure (``TASK_RETRIES``)."""
    return [c.submit(fn, *call, pure=False, retries=TASK_RETRIES) for call in calls]


def completed(futures: list[Any]) -> Iterator[Any]:
    """The futures' results as they complete; Dask's own failures as one-line errors."""
    if not futures:  # as_completed([]) looks for a default client
        return
    distributed = _dask()
    for fut in distributed.as_completed(futures):
        try:
            result = fut.result()
        except distributed.KilledWorker as e:
            raise EnvironmentProblem(f"a Dask task killed every worker it ran on: "
                                     f"{_first_line(e)}") from None
        except (OSError, TimeoutError) as e:  # the scheduler went away (CommClosedError ...)
            raise EnvironmentProblem(f"lost the Dask cluster: {_first_line(e)}") from None
        yield result


def map_tasks(address: str, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]
              ) -> Iterator[Any]:
    """Run fn(*call) for every call on the cluster; results as they complete."""
    with client(address) as c:
        futures = submit(c, fn, calls)
        try:
            yield from completed(futures)
        finally:
            c.cancel(futures)
