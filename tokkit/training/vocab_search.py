"""Optimal vocabulary sizes per language (Arnett et al. 2025, App. J), as pure functions.

Fit CTC(v) = a · v^(-b) + c per language on tokenizers trained at a grid of sizes, invert the
curve at a target CTC, clip to the trained range. `equalizing_target` picks the target whose
clipped predictions have the smallest spread across languages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class PowerLaw:
    """CTC(v) = a · v^(-b) + c, fitted on vocabulary sizes `lo`..`hi`."""

    a: float
    b: float
    c: float
    lo: int
    hi: int

    def predict(self, vocab_size: float) -> float:
        return float(self.a * vocab_size ** (-self.b) + self.c)

    def invert(self, target_ctc: float) -> int:
        """Vocabulary size whose predicted CTC is `target_ctc`, clipped to [lo, hi].

        A target below what the curve can reach (≤ c, or below CTC(hi)) gives hi; a target above
        CTC(lo) gives lo.
        """
        if target_ctc >= self.predict(self.lo):
            return self.lo
        if target_ctc <= self.c or target_ctc <= self.predict(self.hi):
            return self.hi
        v = (self.a / (target_ctc - self.c)) ** (1.0 / self.b)
        return int(min(max(round(v), self.lo), self.hi))


def fit_power_law(vocab_sizes: Sequence[int], ctcs: Sequence[float]) -> PowerLaw:
    """Least-squares fit of CTC(v) = a·v^(-b) + c (c ≥ 0); with fewer than 4 points, c = 0.

    CTC falls with vocabulary size, so b > 0. The fit is done in relative error (each point
    weighted by 1/CTC) so that all sizes count alike.
    """
    v = np.asarray(vocab_sizes, dtype=np.float64)
    y = np.asarray(ctcs, dtype=np.float64)
    if v.size < 2 or v.size != y.size:
        raise ValueError("need at least two (vocab size, CTC) points")
    lo, hi = int(v.min()), int(v.max())
    slope, intercept = np.polyfit(np.log(v), np.log(y), 1)  # log y = log a - b log v
    a0, b0 = math.exp(intercept), max(-slope, 1e-6)
    if v.size < 4:
        return PowerLaw(a0, b0, 0.0, lo, hi)
    from scipy.optimize import curve_fit

    def f(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
        return a * x ** (-b) + c

    try:
        (a, b, c), _ = curve_fit(
            f, v, y, p0=(a0, b0, 0.0), sigma=y, bounds=([0, 1e-6, 0], [np.inf, 5.0, y.min()]), maxfev=20000
        )
    except (RuntimeError, ValueError):
        return PowerLaw(a0, b0, 0.0, lo, hi)
    return PowerLaw(float(a), float(b), float(c), lo, hi)


def equalizing_target(laws: Mapping[str, PowerLaw], n_grid: int = 400) -> float:
    """The target CTC whose clipped predictions vary least across languages (smallest variance)."""
    if not laws:
        raise ValueError("no languages")
    ends = [law.predict(law.lo) for law in laws.values()] + [law.predict(law.hi) for law in laws.values()]
    grid = np.linspace(min(ends), max(ends), n_grid)
    best, best_var = float(grid[0]), math.inf
    for target in grid:
        achieved = [law.predict(law.invert(float(target))) for law in laws.values()]
        var = float(np.var(achieved))
        if var < best_var - 1e-12:
            best, best_var = float(target), var
    return best
