"""The `tokkit` command line: parse, call, print."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

import tokkit
from tokkit.cli.adversarial import app as adversarial_app
from tokkit.cli.audit import audit_cmd
from tokkit.cli.evaluate import evaluate_cmd
from tokkit.cli.report import report_cmd
from tokkit.cli.train import train_cmd
from tokkit.cli.transplant import app as transplant_app


def _escape_help(command: TyperCommand | TyperGroup) -> None:
    """Escape the help texts of `command` and everything below it, so that Rich prints them as written."""
    if command.help:
        command.help = escape(command.help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = escape(param.help)  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        _escape_help(sub)


class PlainHelpGroup(TyperGroup):
    """The root group; its help texts are plain text, not Rich markup.

    Typer renders help with Rich markup, where a `[default: eng]` written in a help text is a style tag
    and disappears (with the space before it left over). Each time Typer builds the command tree, the root
    group escapes every help text in it once, so brackets print as written.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _escape_help(self)


app = typer.Typer(
    name="tokkit",
    cls=PlainHelpGroup,
    help="Tokenizer analysis and surgery: train, evaluate, attack and transplant tokenizers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    rich_markup_mode="rich",
)
app.command("train")(train_cmd)
app.command("evaluate")(evaluate_cmd)
app.add_typer(transplant_app, name="transplant")
app.add_typer(adversarial_app, name="adversarial")
app.command("report")(report_cmd)
app.command("audit")(audit_cmd)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tokkit {tokkit.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logging on stderr (-vv: debug).")
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """tokkit: tokenizer analysis and surgery."""
    from rich.logging import RichHandler

    from tokkit.cli._output import err

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)])
    for noisy in ("transformers", "huggingface_hub", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.ERROR))


def main() -> None:
    app()
