"""The one error family tokkit raises for bad input; the CLI maps it to one stderr line and exit 2."""

from __future__ import annotations


class TokkitError(Exception):
    """A problem with the user's input, with an optional hint saying what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __reduce__(self) -> tuple[type[TokkitError], tuple[str, str | None]]:
        # keeps the hint when the error crosses a process boundary (a dask worker's error, re-raised here)
        return type(self), (str(self), self.hint)


class InputError(TokkitError):
    """A file, directory or value the user gave cannot be used."""


class IncompatibleInputsError(TokkitError):
    """Inputs are fine one by one but cannot be used together (e.g. unequal parallel files)."""


class OutputExistsError(TokkitError):
    """An output path exists and --force was not given."""


class OutputError(TokkitError):
    """An output could not be written (disk full, no permission); nothing was left half-written."""


class ClusterError(TokkitError):
    """The dask engine cannot run: dask is not installed, the scheduler is unreachable, or a worker died."""


def first_line(e: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), for a one-line error."""
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__
