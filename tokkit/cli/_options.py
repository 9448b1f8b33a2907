"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._output import OutputFormat
from tokkit.io.dask_cluster import DEFAULT_WORKERS

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="How to print results on stdout."),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace outputs that already exist.")]
OutputFileOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Also write the table to FILE (.csv, .json, .md, .parquet)."),
]
TrustRemoteCodeOpt = Annotated[
    bool,
    typer.Option("--trust-remote-code", help="Allow custom code from a hub repository (off by default)."),
]
TiktokenPatternOpt = Annotated[
    str | None,
    typer.Option(help="Pre-tokenization regex (or cl100k_base/o200k_base/r50k_base) for .tiktoken files."),
]
AllowPickleOpt = Annotated[
    bool,
    typer.Option("--allow-pickle", help="Allow pickled *.bin weights (they can run code); safetensors otherwise."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS",
        help="With --engine dask: a running scheduler (tcp://HOST:8786) [default: start a local cluster].",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(min=1, help=f"With --engine dask and no --scheduler: worker processes [default: {DEFAULT_WORKERS}]."),
]
