"""``guarded``: how every command fails — one red stderr line and the documented exit code.

A SynthgenError becomes ``error: ...`` on stderr and its exit code (0 GO, 1 NO-GO, 2 bad
input, 3 environment); a traceback only with ``--debug``, which is accepted before the
command (``synthgen --debug validate``) and after it (``synthgen validate out --debug``).
Locals are never shown (connection strings hold passwords).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from synthgen.cli.options import Debug
from synthgen.errors import SynthgenError

F = TypeVar("F", bound=Callable[..., Any])

_state = {"debug": False}

# The keyword ``guarded`` adds to every command's signature for ``--debug``.
_DEBUG = "debug"


def set_debug(on: bool) -> None:
    """Record the root ``--debug`` (the root callback runs before every command)."""
    _state["debug"] = on


def guarded(fn: F) -> F:
    """Map SynthgenError to one stderr line and its exit code; add ``--debug`` to the command."""
    signature = inspect.signature(fn, eval_str=True)
    debug = inspect.Parameter(_DEBUG, inspect.Parameter.KEYWORD_ONLY, default=False,
                              annotation=Debug)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.pop(_DEBUG, False):
            _state["debug"] = True
        try:
            return fn(*args, **kwargs)
        except SynthgenError as e:
            if _state["debug"]:
                raise
            from rich.console import Console
            from rich.markup import escape

            # escaped: a message's own brackets (pip install 'synthgen[cluster]') are text
            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"[bold red]error:[/] {escape(str(e))}", markup=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt as e:  # a stage may say what was left and how to resume
            print(f"interrupted: {e}" if str(e) else "interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    # Typer reads the signature: the command's own options, then --debug.
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), debug])
    return wrapper  # type: ignore[return-value]
