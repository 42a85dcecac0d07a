"""Root conftest: shared fixtures (tests/fixtures/) and the rule that costly tests say so.

Every test that generates a dataset is marked ``slow`` and every test that needs PostgreSQL
is marked ``db``, so ``pytest -m "not slow and not db"`` is a fast inner loop. Collection
fails (rather than auto-marking) when a test reaches a costly fixture or calls the
generator without its mark: the mark stays visible where a reader looks, in the test
module, and ``-m`` selections never change silently because a fixture was added. The
check sees fixtures (however indirectly used) and direct ``generate_dataset`` calls in the
test or its fixtures; a dataset generated through the CLI (``synthgen generate``/``run``)
must be marked by hand, and the fast loop's time budget catches a forgotten one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest_plugins = ["tests.fixtures.db", "tests.fixtures.data"]

# fixtures that generate a dataset / need a PostgreSQL server, by the mark they require
COSTLY_FIXTURES = {"slow": frozenset({"ci_dataset"}),
                   "db": frozenset({"pg_dsn", "embedded_dsn"})}
GENERATOR_NAMES = frozenset({"generate_dataset"})  # calling one of these needs `slow`


def _calls_generator(func: Callable[..., Any] | None) -> bool:
    code = getattr(func, "__code__", None)
    return code is not None and not GENERATOR_NAMES.isdisjoint(code.co_names)


def _needed_marks(item: pytest.Item) -> set[str]:
    """The cost marks this test needs, from the fixtures it uses and what they call."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a python test function (e.g. a doctest item)
        return set()
    names = set(info.names_closure)
    needed = {mark for mark, fixtures in COSTLY_FIXTURES.items() if names & fixtures}
    funcs = [getattr(item, "function", None)]
    funcs += [d.func for n in names for d in info.name2fixturedefs.get(n, ())
              if d.func.__module__.startswith("tests.")]
    if any(_calls_generator(f) for f in funcs):
        needed.add("slow")
    return needed


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a costly test that does not carry its cost mark."""
    missing = [f"{item.nodeid}: add @pytest.mark.{mark}"
               for item in items for mark in sorted(_needed_marks(item))
               if item.get_closest_marker(mark) is None]
    if missing:
        raise pytest.UsageError("tests that generate a dataset must be marked `slow`, tests "
                                "that need PostgreSQL `db` (see tests/README.md):\n  "
                                + "\n  ".join(missing))
