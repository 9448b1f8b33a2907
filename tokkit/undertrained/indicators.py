"""Under-trained token indicators (Land & Bartolo 2024, "Fishing for Magikarp"), as pure numpy.

Rows of a model's unembedding matrix that training never pushed anywhere end up close to each
other: after removing the first principal component (a direction shared by every row), their
cosine to the mean of rows known to be unused is high. Lower indicator = more under-trained.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

IMPOSSIBLE_BYTES = frozenset([0xC0, 0xC1, *range(0xF5, 0x100)])  # never appear in valid UTF-8
UNUSED_NAME = re.compile(r"unused|reserved|madeupword", re.IGNORECASE)


def without_first_pc(matrix: np.ndarray) -> np.ndarray:
    """`matrix` minus each row's projection on the first principal component of its rows.

    The component is the top eigenvector of the covariance of the centred rows; the rows
    themselves are not centred (as in the paper's code), only that one direction is removed.
    """
    x = np.asarray(matrix, dtype=np.float32)
    mean = x.mean(axis=0, dtype=np.float64)
    cov = (x.T @ x).astype(np.float64) - len(x) * np.outer(mean, mean)  # centred scatter, one pass
    _, vectors = np.linalg.eigh(cov)
    pc = vectors[:, -1].astype(np.float32)
    return np.asarray(x - np.outer(x @ pc, pc), dtype=np.float32)


def cosine_distance(matrix: np.ndarray, reference: Sequence[int] | np.ndarray) -> np.ndarray:
    """1 - cos(row, mean of the reference rows), both without the first principal component.

    The paper's main indicator for tied and untied models alike; rows of zero norm get distance 1.
    """
    ids = np.asarray(reference, dtype=np.int64)
    if ids.size == 0:
        raise ValueError("the reference set of unused rows is empty")
    x = without_first_pc(matrix)
    mean = x[ids].mean(axis=0, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1).astype(np.float64) * np.linalg.norm(mean)
    cos = np.divide(x @ mean.astype(np.float32), norms, out=np.zeros(len(x)), where=norms > 1e-12)
    return np.asarray(1.0 - cos, dtype=np.float64)


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """L2 norm of each row: the paper's indicator for untied input embeddings (unused rows only
    decay, so they stay short)."""
    return np.asarray(np.linalg.norm(np.asarray(matrix, dtype=np.float64), axis=1))


def collapsed_rows(
    matrix: np.ndarray, *, cosine: float = 0.9, min_neighbours: int = 10, sample: int = 16_384, seed: int = 0
) -> np.ndarray:
    """Rows with at least `min_neighbours` other rows at cosine >= `cosine` (first PC removed).

    Rows that training left alone collapse onto one point, while trained rows spread out; this
    finds that clump when no token is known to be unused. Above `sample` rows the neighbours are
    counted in a random sample of rows (same seed, same answer) and the count is scaled.
    """
    x = without_first_pc(matrix)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    n = len(x)
    pool = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    scale = n / len(pool)
    counts = np.empty(n, dtype=np.float64)
    pool_rows = x[pool].T
    for a in range(0, n, 4096):
        close = (x[a : a + 4096] @ pool_rows) >= cosine
        counts[a : a + 4096] = close.sum(axis=1)
    in_pool = np.zeros(n, dtype=bool)
    in_pool[pool] = True
    counts -= in_pool  # a row is not its own neighbour
    return np.flatnonzero(counts * scale >= min_neighbours)


def known_unused(
    names: Sequence[str | None],
    special_ids: frozenset[int] | set[int],
    surfaces: Sequence[bytes | None],
    byte_fallback_ids: frozenset[int] | set[int],
    n_rows: int,
) -> np.ndarray:
    """Ids that text can never make, so training never saw them: special tokens named
    unused/reserved, single-byte tokens for bytes no UTF-8 text has (C0, C1, F5-FF), byte-fallback
    tokens whose ASCII byte also has a regular token, and rows past the tokenizer's vocabulary."""
    out = {i for i in special_ids if i < len(names) and names[i] and UNUSED_NAME.search(str(names[i]))}
    regular = {b[0] for i, b in enumerate(surfaces) if b is not None and len(b) == 1 and i not in byte_fallback_ids}
    for i, b in enumerate(surfaces):
        if b is None or len(b) != 1:
            continue
        if b[0] in IMPOSSIBLE_BYTES or (i in byte_fallback_ids and b[0] < 0x80 and b[0] in regular):
            out.add(i)
    out.update(range(len(names), n_rows))
    return np.array(sorted(out), dtype=np.int64)


def reachable(ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Token i is reachable when encoding its own decoded text gives exactly [i].

    `ids`/`lengths` are the flat encodings of decode([0]), decode([1]), ... in order.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    first = np.cumsum(lengths) - lengths
    ids = np.asarray(ids, dtype=np.int64)
    got = ids[np.minimum(first, max(len(ids) - 1, 0))] if len(ids) else np.full(len(lengths), -1)
    return np.asarray((lengths == 1) & (got == np.arange(len(lengths))))


def candidate_threshold(scores: np.ndarray, pool: np.ndarray, percentile: float) -> float:
    """The `percentile`-th percentile of the indicator over the pool (the paper verifies the
    lowest 2% of ordinary tokens); +inf-safe: an empty pool gives -inf (no candidates)."""
    values = np.asarray(scores)[np.asarray(pool, dtype=bool)]
    return float(np.percentile(values, percentile)) if values.size else -np.inf


def precision_at(confirmed_in_rank_order: Sequence[bool], k: int) -> float:
    """Share of the top-k ranked (and verified) tokens that verification confirmed."""
    top = list(confirmed_in_rank_order)[:k]
    return sum(bool(c) for c in top) / len(top) if top else float("nan")
