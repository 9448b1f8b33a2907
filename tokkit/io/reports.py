"""Write results: atomic file writes that never replace an output without --force, and run sidecars."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from tokkit.errors import InputError, OutputError, OutputExistsError
from tokkit.io.corpora import iter_json_lines, sha256
from tokkit.version import __version__

TABLE_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown", ".parquet": "parquet"}


def check_output(path: Path, *, force: bool) -> None:
    """Fail early when `path` exists (without force) or cannot be created."""
    if path.is_dir():
        raise InputError(f"output {path} is a directory, expected a file path")
    if path.exists() and not force:
        raise OutputExistsError(f"output {path} already exists", hint="pass --force to replace it")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError(f"cannot write {path}: {parent} is not a writable directory")


def write_atomic(path: Path, write: Callable[[IO[bytes]], object], *, force: bool) -> None:
    """Write through a temporary sibling and rename, so `path` is never half-written."""
    check_output(path, force=force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}", hint="check free space and permissions") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output_dir(path: Path, *, force: bool) -> None:
    """Fail early when the output directory `path` is a file, or exists (without force)."""
    if path.exists() and not path.is_dir():
        raise InputError(f"output {path} is a file, expected a directory")
    if path.exists() and not force:
        raise OutputExistsError(f"output {path} already exists", hint="pass --force to replace it")


def write_dir_atomic(path: Path, fill: Callable[[Path], None], *, force: bool) -> None:
    """Fill a temporary sibling directory, then move it to `path` (replacing it only with force).

    On any failure, or Ctrl-C, the temporary directory is removed and a previous `path` is left
    exactly as it was.
    """
    check_output_dir(path, force=force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        fill(tmp)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            try:
                os.replace(tmp, path)
            except BaseException:
                os.replace(old, path)  # put the previous output back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}", hint="check free space and permissions") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """A table rendered as csv, json records (snake_case keys), markdown or parquet."""
    if fmt == "csv":
        # The csv module quotes a field with "\n" but not one with a bare "\r" (the token of byte 0x0D), which
        # readers then split into two rows: quote every text field when any holds a "\r".
        has_cr = any(df[c].map(lambda v: isinstance(v, str) and "\r" in v).any() for c in df.columns)
        return str(df.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC if has_cr else csv.QUOTE_MINIMAL)).encode()
    if fmt == "json":
        return (str(df.to_json(orient="records", force_ascii=False, indent=1)) + "\n").encode()
    if fmt == "markdown":
        return (str(df.to_markdown(index=False, floatfmt=".4g")) + "\n").encode()
    if fmt == "parquet":
        return bytes(df.to_parquet(index=False))
    raise ValueError(f"unknown table format {fmt!r}")


def table_format_for(path: Path) -> str:
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"cannot tell the table format of {path}", hint=f"use one of {', '.join(TABLE_FORMATS)}")
    return fmt


def write_table(df: pd.DataFrame, path: Path, *, force: bool) -> None:
    data = table_bytes(df, table_format_for(path))
    write_atomic(path, lambda fh: fh.write(data), force=force)


def save_figure(fig: Any, path: Path, *, force: bool) -> None:
    """Save a matplotlib figure as PNG, atomically."""
    write_atomic(path, lambda fh: fig.savefig(fh, format="png"), force=force)


def sidecar_path(output: Path) -> Path:
    """`<output>.meta.json` next to a file; `<dir>/tokkit.meta.json` inside an output directory."""
    return output / "tokkit.meta.json" if output.is_dir() else output.with_name(output.name + ".meta.json")


def current_command() -> list[str]:
    """The command line of this run, as the user typed it (`tokkit ...`)."""
    program = Path(sys.argv[0]).name
    return ["tokkit" if program in {"tokkit", "__main__.py"} else program, *sys.argv[1:]]


def run_meta(
    *, params: dict[str, Any], inputs: Iterable[Path], seeds: dict[str, int] | None = None, outputs: Iterable[Path] = ()
) -> bytes:
    """The sidecar's content: command, parameters, seeds, input checksums, outputs, tokkit version."""
    meta = {
        "command": current_command(),
        "params": params,
        "seeds": seeds or {},
        "inputs": {str(p): sha256(p) for p in sorted(set(inputs)) if p.is_file()},
        "outputs": [str(p) for p in outputs],
        "tokkit_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    return (json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def write_sidecar(
    output: Path,
    *,
    params: dict[str, Any],
    inputs: Iterable[Path],
    seeds: dict[str, int] | None = None,
    outputs: Iterable[Path] = (),
    force: bool,
) -> Path:
    """Write the run's sidecar next to `output` (see `run_meta`)."""
    data = run_meta(params=params, inputs=inputs, seeds=seeds, outputs=outputs)
    path = sidecar_path(output)
    write_atomic(path, lambda fh: fh.write(data), force=force)
    return path


def write_jsonl(records: Iterable[dict[str, Any]], path: Path, *, force: bool) -> None:
    """One JSON object per line (UTF-8, keys in a stable order), written atomically."""
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    write_atomic(path, lambda fh: fh.write(data), force=force)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file; a clear error for a missing, empty or malformed file."""
    if path.is_dir():
        raise InputError(f"{path} is a directory, expected a JSON-lines file")
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    records = []
    for lineno, record, _ in iter_json_lines(path):
        if not isinstance(record, dict):
            raise InputError(f"{path} line {lineno} is not a JSON object")
        records.append(record)
    if not records:
        raise InputError(f"{path} has no records")
    return records


def write_file(path: Path, data: bytes) -> None:
    """`data` into `path`, a file inside an output directory being filled (see `write_dir_atomic`)."""
    path.write_bytes(data)


def write_csv_rows(df: pd.DataFrame, path: Path) -> None:
    """`df` as CSV with CRLF rows (RFC 4180), so that a field holding a bare \\r (token "\\r") is quoted too."""
    df.to_csv(path, index=False, lineterminator="\r\n")


def write_json(path: Path, data: Any) -> None:
    """`data` as indented UTF-8 JSON (a metadata file inside an output directory being filled)."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path, *, what: str) -> Any:
    """A JSON file tokkit wrote before; one clear error when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read {what} {path} ({e})") from None


def write_figure(fig: Any, path: Path, **savefig: Any) -> None:
    """A matplotlib figure as PNG into `path`, a file inside an output directory being filled."""
    fig.savefig(path, format="png", **savefig)
