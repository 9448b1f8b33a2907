"""The only module that prints: results on stdout, progress, notes and errors on stderr."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum, IntEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from tokkit.errors import TokkitError
from tokkit.workflows.feedback import Feedback

if TYPE_CHECKING:
    import pandas as pd

out = Console()
if not out.is_terminal:  # piped tables keep every column readable
    out = Console(width=240)
err = Console(stderr=True)


class ExitCode(IntEnum):
    OK = 0
    BUG = 1  # an uncaught exception: always a bug
    USAGE = 2  # bad flags or bad input (TokkitError)
    CHECK_FAILED = 3  # ran fine but a requested gate failed


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


def _cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.3f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def emit(df: pd.DataFrame, fmt: OutputFormat, *, title: str | None = None, columns: list[str] | None = None) -> None:
    """Print a result table on stdout: records with snake_case keys, CSV, markdown or a rich table."""
    import pandas as pd

    from tokkit.io.reports import table_bytes

    if fmt is OutputFormat.TABLE:
        shown = df[columns] if columns else df
        table = Table(title=title, header_style="bold")
        for col in shown.columns:
            numeric = pd.api.types.is_numeric_dtype(shown[col])
            table.add_column(col, justify="right" if numeric else "left")
        for row in shown.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        out.print(table)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(table_bytes(df, fmt.value))
    sys.stdout.flush()


def note(message: str) -> None:
    err.print(f"[yellow]note:[/] {escape(message)}", highlight=False, soft_wrap=True)


def info(message: str) -> None:
    err.print(escape(message), highlight=False, soft_wrap=True)


def _ignore(n: int = 1) -> None:
    return None


@contextmanager
def progress(description: str, total: int | None, *, unit_bytes: bool = False) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; a no-op when stderr is not a terminal."""
    if not err.is_terminal:
        yield _ignore
        return
    columns = [TextColumn("{task.description}"), BarColumn()]
    columns += [DownloadColumn()] if unit_bytes else []
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


@contextmanager
def user_errors() -> Iterator[None]:
    """TokkitError → one red line on stderr (plus a hint), exit 2; Ctrl-C → exit 130."""
    try:
        yield
    except TokkitError as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        if e.hint:
            err.print(f"[dim]hint: {escape(e.hint)}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.USAGE) from None
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]", highlight=False)
        raise typer.Exit(130) from None


FEEDBACK = Feedback(note=note, info=info, progress=progress)  # what the workflows tell, on stderr
