"""Small command-line tool that computes summary statistics for CSV columns.

Example:
    python sample.py data.csv --columns price quantity --delimiter ';'
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence


@dataclass
class ColumnStats:
    """Running statistics for a single numeric column.

    Uses Welford's algorithm so that the mean and variance can be updated
    one value at a time without keeping the whole column in memory.
    """

    name: str
    count: int = 0
    missing: int = 0
    mean: float = 0.0
    _m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: list[float] = field(default_factory=list, repr=False)

    def add(self, raw: str) -> None:
        """Parse ``raw`` and fold it into the statistics."""
        text = raw.strip().replace(",", ".")
        if not text:
            self.missing += 1
            return
        try:
            value = float(text)
        except ValueError:
            self.missing += 1
            return
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (value - self.mean)
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        self.values.append(value)

    @property
    def variance(self) -> float:
        """Sample variance, or 0.0 when fewer than two values were seen."""
        if self.count < 2:
            return 0.0
        return self._m2 / (self.count - 1)

    @property
    def stdev(self) -> float:
        return math.sqrt(self.variance)

    def median(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        mid = len(ordered) // 2
        if len(ordered) % 2 == 1:
            return ordered[mid]
        return (ordered[mid - 1] + ordered[mid]) / 2

    def as_row(self) -> list[str]:
        def fmt(x: float | None) -> str:
            if x is None or math.isinf(x):
                return "-"
            return f"{x:.4g}"

        return [
            self.name,
            str(self.count),
            str(self.missing),
            fmt(self.mean if self.count else None),
            fmt(self.median()),
            fmt(self.stdev if self.count > 1 else None),
            fmt(self.minimum),
            fmt(self.maximum),
        ]


class CsvSummary:
    """Collects :class:`ColumnStats` for the selected columns of a CSV file."""

    HEADER = ["column", "n", "missing", "mean", "median", "stdev", "min", "max"]

    def __init__(self, columns: Sequence[str] | None = None) -> None:
        self._wanted = list(columns) if columns else None
        self.stats: dict[str, ColumnStats] = {}

    def consume(self, rows: Iterable[dict[str, str]]) -> int:
        """Feed parsed rows into the summary and return the row count."""
        n = 0
        for row in rows:
            n += 1
            for name, raw in row.items():
                if name is None:
                    continue
                if self._wanted is not None and name not in self._wanted:
                    continue
                stats = self.stats.setdefault(name, ColumnStats(name))
                stats.add(raw or "")
        return n

    def table(self) -> Iterator[list[str]]:
        yield self.HEADER
        for stats in self.stats.values():
            yield stats.as_row()


def render(rows: Iterable[list[str]]) -> str:
    """Render rows as a plain-text table with aligned columns."""
    materialised = list(rows)
    if not materialised:
        return ""
    widths = [max(len(r[i]) for r in materialised) for i in range(len(materialised[0]))]
    lines = []
    for index, row in enumerate(materialised):
        cells = [cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="CSV file to read")
    parser.add_argument("--columns", nargs="*", help="only summarise these columns")
    parser.add_argument("--delimiter", default=",", help="field separator (default: ',')")
    parser.add_argument("--encoding", default="utf-8")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.path.is_file():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 2
    summary = CsvSummary(args.columns)
    with args.path.open(newline="", encoding=args.encoding) as handle:
        reader = csv.DictReader(handle, delimiter=args.delimiter)
        rows = summary.consume(reader)
    print(f"{rows} rows read from {args.path.name}")
    print(render(summary.table()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
