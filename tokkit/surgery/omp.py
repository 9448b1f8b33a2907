"""Batched Orthogonal Matching Pursuit (pure, deterministic, memory-bounded): float32, numpy's
OpenBLAS on the CPU and torch elsewhere; optionally screened to the M best-correlated atoms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

NUMPY_ON_CPU = True  # CPU products through numpy's OpenBLAS (see _best_atom); False runs the torch path
SCREEN_FLOATS = 64 * 1024 * 1024  # screened OMP: float32 values of the gathered sub-dictionaries per chunk


@dataclass(frozen=True, slots=True)
class SparseCode:
    """Each target ≈ Σ_i coeffs[b, i] · dictionary[indices[b, i]]."""

    indices: torch.Tensor  # (B, k) int64: rows of the dictionary, in selection order
    coeffs: torch.Tensor  # (B, k) float32
    relative_error: torch.Tensor  # (B,) ‖target − reconstruction‖ / ‖target‖


def omp(
    targets: torch.Tensor,
    dictionary: torch.Tensor,
    k: int,
    *,
    chunk_size: int = 1024,
    screen: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SparseCode:
    """Approximate each row of `targets` (B, D) by k rows of `dictionary` (N, D).

    Greedy selection as in mergekit-tokensurgeon: at each step the atom with the largest
    |⟨residual, atom⟩| (raw inner product, chosen atoms masked), then least squares on all chosen
    atoms (an incremental QR, see `_omp_chunk`). Work is float32 on the dictionary's device,
    `chunk_size` targets at a time so memory stays bounded at chunk_size × N.

    `screen=M` (k ≤ M ≤ N): each target first keeps the M atoms with the largest |⟨target, atom⟩|
    (one product), and exact OMP runs inside that set; each step then costs M instead of N
    products per target. Ties keep the lower atom index, as unscreened.
    """
    n_atoms = dictionary.shape[0]
    if not 1 <= k <= n_atoms:
        raise ValueError(f"k={k} must be between 1 and the number of atoms ({n_atoms})")
    if screen is not None and not k <= screen <= n_atoms:
        raise ValueError(f"screen={screen} must be between k={k} and the number of atoms ({n_atoms})")
    if targets.shape[1] != dictionary.shape[1]:
        raise ValueError(f"targets have dimension {targets.shape[1]}, the dictionary {dictionary.shape[1]}")
    dic = dictionary.detach().to(torch.float32)
    if screen is not None:  # the (chunk, M, D) sub-dictionaries stay within ~SCREEN_FLOATS floats
        chunk_size = max(1, min(chunk_size, SCREEN_FLOATS // (screen * dic.shape[1])))
    parts = [
        _omp_chunk(targets[s : s + chunk_size].detach().to(dic), dic, k, on_progress, screen)
        for s in range(0, targets.shape[0], chunk_size)
    ]
    if not parts:
        empty = torch.empty(0, k)
        return SparseCode(empty.long(), empty, torch.empty(0))
    return SparseCode(*(torch.cat([p[i] for p in parts]) for i in range(3)))


def _omp_chunk(
    x: torch.Tensor,
    dic: torch.Tensor,
    k: int,
    on_progress: Callable[[int], None] | None,
    screen: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """OMP with an incremental QR of the chosen atoms (Gram-Schmidt, orthogonalised twice).

    Each step costs one (b, N) correlation product (b, M when screened) plus O(b·t·D): the residual
    is x minus its projection on span(Q), and the coefficients come from R c = Qᵀ x at the end.
    """
    b, d = x.shape
    keep = _screen(x, dic, screen) if screen is not None else None  # (b, M) atom ids, ascending
    sub = dic[keep] if keep is not None else None  # (b, M, D)
    chosen = torch.empty(b, k, dtype=torch.long, device=x.device)
    scores = torch.empty(b, dic.shape[0] if keep is None else keep.shape[1], dtype=x.dtype, device=x.device)
    q = torch.zeros(b, k, d, dtype=x.dtype, device=x.device)
    r = torch.zeros(b, k, k, dtype=torch.float64, device=x.device)
    residual = x.clone()
    for t in range(k):
        if sub is None:
            j = _best_atom(residual, dic, chosen[:, :t], scores)
            v = dic[j]  # (b, D)
        else:
            j = _best_screened_atom(residual, sub, chosen[:, :t], scores)
            v = sub[torch.arange(b, device=x.device), j]
        chosen[:, t] = j
        if t:
            basis = q[:, :t]  # (b, t, D)
            v, proj = _project_out(basis, v)
            v, again = _project_out(basis, v)  # a second pass keeps Q orthogonal in float32
            r[:, :t, t] = (proj + again).double()
        norm = v.norm(dim=1)
        r[:, t, t] = norm.double()
        q[:, t] = v / norm.clamp_min(1e-12).unsqueeze(1)
        residual = residual - (residual * q[:, t]).sum(1, keepdim=True) * q[:, t]
        if on_progress is not None:
            on_progress(0)
    qtx = torch.einsum("bkd,bd->bk", q, x).double().unsqueeze(2)  # (b, k, 1)
    diag = r.diagonal(dim1=1, dim2=2)
    safe = r + torch.diag_embed((diag.abs() < 1e-12).double())  # a dependent atom gets coefficient ~0
    coeffs = torch.linalg.solve_triangular(safe, qtx, upper=True).squeeze(2)
    error = residual.norm(dim=1) / x.norm(dim=1).clamp_min(1e-12)
    if on_progress is not None:
        on_progress(b)
    atoms = chosen if keep is None else keep.gather(1, chosen)
    return atoms, coeffs.float(), error


def _screen(x: torch.Tensor, dic: torch.Tensor, m: int) -> torch.Tensor:
    """The m atoms with the largest |⟨x_b, atom⟩| per row, in ascending atom order: (b, m)."""
    if _numpy(x):
        scores = np.abs(x.numpy() @ dic.numpy().T)
        top = np.argpartition(-scores, m - 1, axis=1)[:, :m] if m < scores.shape[1] else np.tile(
            np.arange(scores.shape[1]), (len(scores), 1))  # fmt: skip
        return torch.from_numpy(np.sort(top, axis=1).astype(np.int64))
    return (x @ dic.T).abs().topk(m, dim=1).indices.sort(dim=1).values


def _best_screened_atom(
    residual: torch.Tensor, sub: torch.Tensor, chosen: torch.Tensor, scores: torch.Tensor
) -> torch.Tensor:
    """argmax_j |⟨residual_b, sub[b, j]⟩| per row over its own (M, D) sub-dictionary, `chosen` excluded."""
    torch.bmm(sub, residual.unsqueeze(2), out=scores.unsqueeze(2))  # numpy's stacked matmul has no BLAS path here
    if not _numpy(residual):
        return scores.abs_().scatter_(1, chosen, -1.0).argmax(dim=1)
    out = scores.numpy()
    np.abs(out, out=out)
    out[np.arange(out.shape[0])[:, None], chosen.numpy()] = -1.0
    return torch.from_numpy(out.argmax(axis=1))


def _project_out(basis: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(v − Σ_i ⟨q_i, v⟩ q_i, ⟨q_i, v⟩) per row: basis (b, t, D), v (b, D); numpy on the CPU."""
    if not _numpy(v):
        proj = torch.einsum("btd,bd->bt", basis, v)
        return v - torch.einsum("bt,btd->bd", proj, basis), proj
    q, x = basis.numpy(), v.numpy()
    proj = np.matmul(q, x[:, :, None])[:, :, 0]
    return torch.from_numpy(x - np.matmul(proj[:, None, :], q)[:, 0]), torch.from_numpy(proj)


def _best_atom(residual: torch.Tensor, dic: torch.Tensor, chosen: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """argmax_j |⟨residual, dic[j]⟩| per row, atoms in `chosen` excluded; `scores` is (b, N) scratch.

    This product is the step's only O(b·N·D) work. On the CPU it runs in numpy: the MKL that
    torch wheels bundle computes this float32 shape at about two thirds of OpenBLAS's speed on AMD
    CPUs (benchmarks/omp_step_costs.py: 0.48–0.54 s vs 0.33–0.35 s for 1,024 × 576 × 45,571 on
    a 2-core EPYC), and numpy's argmax over those scores is ~4× faster than torch's (0.012–0.013 s vs 0.054–0.055 s).
    """
    if not _numpy(residual):
        torch.matmul(residual, dic.T, out=scores).abs_()
        return scores.scatter_(1, chosen, -1.0).argmax(dim=1)
    out = scores.numpy()
    np.matmul(residual.numpy(), dic.numpy().T, out=out)
    np.abs(out, out=out)
    out[np.arange(out.shape[0])[:, None], chosen.numpy()] = -1.0
    return torch.from_numpy(out.argmax(axis=1))


def _numpy(t: torch.Tensor) -> bool:
    return NUMPY_ON_CPU and t.device.type == "cpu"
