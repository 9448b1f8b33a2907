"""`tokkit report`: one config in, one report out (report.md, PNG plots, the CSVs behind them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import ForceOpt
from tokkit.cli._output import FEEDBACK, info, user_errors


def report_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for report.md, plots and CSVs.")],
    config: Annotated[
        Path | None, typer.Option(help="Report config (TOML) [default: the shipped corpora, tokkit/data/report.toml].")
    ] = None,
    skip_transplant: Annotated[bool, typer.Option(help="Leave out the transplant step (the slow one).")] = False,
    force: ForceOpt = False,
) -> None:
    """Train, evaluate, attack and transplant as the config says, and write one report.

    Example: tokkit report --output out/report
    """
    from tokkit.workflows.report import report

    with user_errors():
        result = report(output, config, skip_transplant=skip_transplant, force=force, feedback=FEEDBACK)
    info(f"report: {result.markdown}")
