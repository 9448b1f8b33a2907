"""Greedy BPE on id sequences with multiplicities: the merge learner of SuperBPE stage 2 and WordPiece.

Pure and deterministic (ties go to the smaller ids); `superbpe` and `canonical` both use it.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Stage2:
    """The merges learned and the final segmentation of every input sequence."""

    merges: list[tuple[int, int]]  # (left id, right id); merge i creates id first_new_id + i
    sequences: list[list[int]]  # chunk i after all merges


def _merge(seq: list[int], a: int, b: int, new: int) -> list[int]:
    out: list[int] = []
    i, n = 0, len(seq)
    while i < n:
        if i + 1 < n and seq[i] == a and seq[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def learn_merges(
    chunks: Sequence[Sequence[int]],
    counts: Sequence[int],
    surfaces: Sequence[bytes],
    n_merges: int,
    *,
    min_frequency: int = 2,
    allowed: Callable[[bytes], bool] = lambda s: True,
    on_progress: Callable[[int], None] | None = None,
) -> Stage2:
    """Greedy BPE on id sequences with multiplicities: pure, deterministic.

    Each step merges the most frequent adjacent pair (ties: the smaller ids first) whose merged
    surface `allowed` accepts; a rejected pair is never proposed again. Stops after `n_merges`
    merges or when no pair occurs `min_frequency` times.
    """
    if len(chunks) != len(counts):
        raise ValueError("chunks and counts differ in length")
    seqs = [list(c) for c in chunks]
    surf = list(surfaces)
    pair_count: Counter[tuple[int, int]] = Counter()
    where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for k, seq in enumerate(seqs):
        for p in pairwise(seq):
            pair_count[p] += counts[k]
            where[p].add(k)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    rejected: set[tuple[int, int]] = set()
    while heap and len(merges) < n_merges:
        negc, pair = heapq.heappop(heap)
        current = pair_count.get(pair, 0)
        if -negc != current:  # stale entry
            if current > 0:
                heapq.heappush(heap, (-current, pair))
            continue
        if current < min_frequency:
            break
        if pair in rejected:
            continue
        a, b = pair
        merged = surf[a] + surf[b]
        if not allowed(merged):
            rejected.add(pair)
            continue
        new = len(surf)
        surf.append(merged)
        merges.append(pair)
        changed: set[tuple[int, int]] = set()
        for k in sorted(where.pop(pair)):
            seq = seqs[k]
            c = counts[k]
            for p in pairwise(seq):
                pair_count[p] -= c
                changed.add(p)
            seq = seqs[k] = _merge(seq, a, b, new)
            for p in pairwise(seq):
                pair_count[p] += c
                where[p].add(k)
                changed.add(p)
        pair_count.pop(pair, None)
        for p in changed:
            c = pair_count.get(p, 0)
            if c > 0 and p not in rejected:
                heapq.heappush(heap, (-c, p))
            elif c <= 0:
                pair_count.pop(p, None)
        if on_progress is not None:
            on_progress(1)
    return Stage2(merges, seqs)
