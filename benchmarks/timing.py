"""Wall-clock timing shared by the benchmark scripts (imported as a sibling module)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeats: int = 3, *, warmup: bool = False) -> float:
    """The fastest of `repeats` calls of `fn`, in seconds (after one untimed call with `warmup`)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
