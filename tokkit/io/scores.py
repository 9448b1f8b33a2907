"""Read the downstream scores a user correlates metrics with (`tokkit evaluate --scores`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tokkit.errors import InputError


def read_scores(path: Path) -> pd.DataFrame:
    """The CSV at `path` as a table; one clear error when it cannot be read."""
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read --scores {path} ({e})") from None
