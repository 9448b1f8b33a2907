"""Each workflow's keyword defaults, read from its signature: the one place they are declared."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def defaults_of(function: Callable[..., Any]) -> dict[str, Any]:
    """The default of every parameter of `function` that has one, by name (the CLI's option defaults).

    >>> def f(a: int, *, b: int = 2, c: str = "x") -> None: ...
    >>> defaults_of(f)
    {'b': 2, 'c': 'x'}
    """
    params = inspect.signature(function).parameters.values()
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
