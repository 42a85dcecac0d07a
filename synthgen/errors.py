"""One root error; the CLI maps each subclass to a documented exit code.

Exit codes: 0 GO/success, 1 NO-GO (a gate failed), 2 usage or input error,
3 environment (database unreachable, refused target).
"""

from __future__ import annotations


class SynthgenError(Exception):
    """Base of every error synthgen raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, table: str | None = None, step: str | None = None,
                 partition: int | None = None) -> None:
        super().__init__(message)
        self.table = table
        self.step = step
        self.partition = partition


class InputError(SynthgenError):
    """Bad input from the user: a missing file, a malformed band, a bad option."""

    exit_code = 2


class SpecError(InputError):
    """A distribution spec that does not validate; the message names the JSON path."""


class DatasetError(InputError):
    """A dataset directory that is missing, incomplete or inconsistent."""


class EnvironmentProblem(SynthgenError):
    """The environment is not usable: database unreachable, server will not start."""

    exit_code = 3


class TargetRefused(EnvironmentProblem):
    """The target looks like production or is not marked as a synthgen target."""


class GateFailed(SynthgenError):
    """A gate decided NO-GO."""

    exit_code = 1
