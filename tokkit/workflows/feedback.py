"""What a workflow tells its caller while it runs: notes, information lines, progress bars.

The workflows print nothing themselves. The CLI passes callbacks that write to stderr
(`tokkit.cli._output.FEEDBACK`); from Python the default, `SILENT`, drops everything (notes are
also kept on each workflow's result).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol


class ProgressBar(Protocol):
    """Opens a bar of `total` steps (None: unknown) and yields the function that advances it."""

    def __call__(
        self, description: str, total: int | None, *, unit_bytes: bool = False
    ) -> AbstractContextManager[Callable[[int], None]]: ...


def _drop(message: str) -> None:
    return None


def _ignore(n: int = 1) -> None:
    return None


@contextmanager
def no_progress(description: str, total: int | None, *, unit_bytes: bool = False) -> Iterator[Callable[[int], None]]:
    """A progress bar that shows nothing."""
    yield _ignore


@dataclass(frozen=True, slots=True)
class Feedback:
    """The callbacks a workflow reports through: `note` (a warning worth reading), `info` (a plain
    line, e.g. where a file went) and `progress` (a bar)."""

    note: Callable[[str], None] = _drop
    info: Callable[[str], None] = _drop
    progress: ProgressBar = no_progress


SILENT = Feedback()
