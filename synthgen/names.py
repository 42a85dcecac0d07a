"""The person-name list shared by every stage: the generator avoids these words, the
fidelity gate and the sampler's export gate flag them.

One owner, so the word list a generated dataset is scrubbed against is exactly the list it
is judged by. The list ships as package data; a missing file is an error, never an empty
list (an empty list would silently pass every name through both checks).
"""

from __future__ import annotations

import functools
from importlib import resources

from synthgen.errors import EnvironmentProblem

NAMES_RESOURCE = "data/person_names.txt"


@functools.cache
def person_names() -> frozenset[str]:
    """Lower-cased common real first names and surnames ('#' starts a comment).

    >>> {"maria", "smith"} <= person_names()
    True
    """
    try:
        text = resources.files("synthgen").joinpath(NAMES_RESOURCE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EnvironmentProblem(f"synthgen/{NAMES_RESOURCE} is missing: reinstall synthgen"
                                 ) from None
    names = frozenset(w for w in (line.split("#", 1)[0].strip().lower()
                                  for line in text.splitlines()) if w)
    if not names:
        raise EnvironmentProblem(f"synthgen/{NAMES_RESOURCE} lists no names: reinstall synthgen")
    return names
