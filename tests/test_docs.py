"""The examples in synthgen's docstrings run, so they stay true (as sqlglot's test_docs does).

Only modules whose source holds a ``>>>`` are imported, so heavy modules without examples
are never loaded just to find nothing.
"""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "synthgen"


def _modules_with_examples() -> list[str]:
    """Dotted names of the synthgen modules that contain a doctest prompt."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts).removesuffix(".__init__"))
    return names


MODULES = _modules_with_examples()


def test_the_package_has_examples() -> None:
    """Guard the finder itself: a broken scan must not pass by running nothing."""
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module) if t.examples]
    assert tests, f"{name} has '>>>' in its source but no doctest was found"
    report = io.StringIO()
    for test in tests:
        runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
