"""`--help` of every command shows every option's default and every help text as written."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from tokkit.cli import app

runner = CliRunner()


def commands(command: typer.core.TyperCommand | typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator:  # type: ignore[type-arg]
    """(path, command) for the root and every command and sub-command below it."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def tree() -> list[tuple[tuple[str, ...], object]]:
    return list(commands(typer.main.get_command(app)))


@functools.cache
def help_lines(path: tuple[str, ...]) -> list[str]:
    """The `--help` of one command, wide enough that no option's row wraps."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "1000", "TERMINAL_WIDTH": "1000"})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def option_line(lines: list[str], name: str) -> str:
    """The row of the option `name` in the Options panel: its first word that starts with '-' is `name`."""
    for line in lines:
        if not line.startswith("│"):
            continue
        first = next((w for w in line.replace("│", " ").split() if w.startswith("-")), None)
        if first == name:
            return line
    raise AssertionError(f"no row for {name} in:\n" + "\n".join(lines))


def shown_default(param: object) -> str | None:
    """What `[default: …]` must say for `param`, '' when only its presence is checked, None for no default."""
    show = getattr(param, "show_default", None)
    if isinstance(show, str):
        return show
    default = getattr(param, "default", None)
    if default is None or show is False:
        return None
    if getattr(param, "is_flag", False) and not getattr(param, "secondary_opts", []):
        return None  # a plain on/off flag (`--force`) is off unless given
    if isinstance(default, enum.Enum):
        return str(default.value)
    if isinstance(default, bool):
        return ""  # `--x/--no-x` shows the flag name
    if isinstance(default, (list, tuple)):
        return ", ".join(str(d) for d in default)
    return str(default)


CASES = [
    (path, param)
    for path, command in tree()
    for param in command.params  # type: ignore[attr-defined]
    if param.param_type_name == "option" and param.name != "help"
]


def test_the_walk_finds_every_command() -> None:
    paths = {" ".join(p) for p, _ in tree()}
    assert {"", "evaluate", "train", "transplant", "report", "adversarial generate", "adversarial evaluate"} <= paths
    assert len(CASES) > 60


@pytest.mark.parametrize(("path", "param"), CASES, ids=[f"{' '.join(p) or 'tokkit'} {q.opts[0]}" for p, q in CASES])
def test_every_default_is_shown(path: tuple[str, ...], param: object) -> None:
    name = max(param.opts, key=len)  # type: ignore[attr-defined]
    line = option_line(help_lines(path), name)
    expected = shown_default(param)
    if expected is not None:
        assert "[default: " in line, f"{name}: default {expected!r} not shown in\n{line}"
        assert f"[default: {expected}" in line or expected == "", line
    # every help text appears as written: Rich markup must not eat brackets such as "[default: eng]"
    text = getattr(param, "help", None)
    if text:
        text = text.replace("\\[", "[")  # the tree escapes brackets for Rich; the row shows them plain
        assert " ".join(text.split()) in " ".join(line.replace("│", " ").split()), line


def test_written_defaults_survive_rich() -> None:
    """The bug this guards against: Rich read "[default: eng when …]" as a style tag and dropped it."""
    lines = help_lines(("evaluate",))
    assert "[default: eng when the corpus is parallel]" in option_line(lines, "--reference")
    assert "premiums ." not in "\n".join(lines)
