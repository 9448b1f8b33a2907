"""Corpus arguments that are glob patterns (`'shards/*.txt'`, quoted so that tokkit expands them)."""

from __future__ import annotations

import glob
from pathlib import Path

from tokkit.errors import InputError

GLOB_CHARS = frozenset("*?[")


def expand_globs(paths: list[Path]) -> list[Path]:
    """Each path as given, or, when it does not exist and holds *, ? or [, the files it matches
    (sorted; ** matches any depth). A pattern that matches nothing is an error."""
    out: list[Path] = []
    for path in paths:
        text = str(path)
        if path.exists() or not GLOB_CHARS & set(text):
            out.append(path)
            continue
        matches = sorted(Path(p) for p in glob.glob(str(path.expanduser()), recursive=True) if Path(p).is_file())
        if not matches:
            raise InputError(f"no files match {text}", hint="check the pattern; quote it so that tokkit expands it")
        out += matches
    return out
