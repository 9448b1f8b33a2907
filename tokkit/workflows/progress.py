"""How a workflow reports progress: a factory of progress bars the caller passes in (the CLI: rich bars)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Progress(Protocol):
    """`with progress("training bpe", total=None) as advance: advance(1)`; total None: no known end."""

    def __call__(self, description: str, total: int | None) -> AbstractContextManager[Callable[[int], None]]: ...


class StepProgress(Protocol):
    """`with progress(steps) as on_step: on_step(step, loss)`: a bar for an optimizer loop."""

    def __call__(self, steps: int) -> AbstractContextManager[Callable[[int, float], None]]: ...


def _ignore(n: int = 1) -> None:
    return None


@contextmanager
def no_progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """The default: show nothing."""
    yield _ignore


@contextmanager
def no_step_progress(steps: int) -> Iterator[Callable[[int, float], None]]:
    """The default of an optimizer loop: show nothing."""
    yield lambda step, loss: None
