"""`tokkit report`: one config in, one report out (report.md, PNG plots, the CSVs behind them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import ForceOpt
from tokkit.cli._output import info, note, progress, user_errors


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
    from tokkit.errors import InputError, OutputExistsError
    from tokkit.io.reports import run_meta, write_dir_atomic
    from tokkit.workflows.report import DEFAULT_CONFIG, read_config, run_report

    with user_errors():
        if output.exists() and not output.is_dir():
            raise InputError(f"output {output} is a file, expected a directory")
        if output.exists() and not force:
            raise OutputExistsError(f"output {output} already exists", hint="pass --force to replace it")
        path = config or DEFAULT_CONFIG
        plan = read_config(path)

        def fill(directory: Path) -> None:
            with progress("building the report", total=None):
                run_report(plan, directory, skip_transplant=skip_transplant, note=note)
            params = {"config": str(path), "skip_transplant": skip_transplant}
            (directory / "tokkit.meta.json").write_bytes(run_meta(params=params, inputs=[path], outputs=[output]))

        write_dir_atomic(output, fill, force=force)
    info(f"report: {output / 'report.md'}")
