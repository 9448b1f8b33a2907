"""The files of `tokkit report`: its TOML plan in, and the CSVs, PNGs and report.md it writes into
the directory being filled (`reports.write_dir_atomic` moves that directory into place)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tokkit.errors import InputError


def read_report_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML at `path`; one clear error when it is missing, unreadable or not TOML."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"report config {path} does not exist") from None
    except OSError as e:
        raise InputError(f"cannot read report config {path} ({e.strerror or e})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"report config {path} is not valid TOML ({e})") from None


def new_dir(path: Path) -> Path:
    """Create the directory `path` (and its parents) for one step's files; it must not exist yet."""
    path.mkdir(parents=True)
    return path


def write_csv(df: pd.DataFrame, path: Path, *, crlf: bool = False) -> None:
    """A table as CSV without its index (`crlf`: lines end in \\r\\n, as `tokkit audit` writes them)."""
    df.to_csv(path, index=False, **({"lineterminator": "\r\n"} if crlf else {}))


def write_png(fig: Any, path: Path) -> None:
    """A matplotlib figure as PNG."""
    fig.savefig(path)


def write_markdown(text: str, path: Path) -> None:
    """report.md, UTF-8."""
    path.write_text(text, encoding="utf-8")
