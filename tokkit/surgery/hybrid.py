"""TokenAdapt's hybrid heuristic (Sharthak et al. 2025), as a pure function over embeddings.

For a new token with text s and pieces s_1..s_m under the old tokenizer:
- local:  w1 = softmax_i cos(φ(s), φ(s_i)); len_i = |s_i| / |s|; w = softmax_i(((w1_i + len_i) / 2) / τ);
          e_local = Σ_i w_i · E_old[s_i]
- global: the top-k old tokens by cos(φ(s), φ(old)); w = softmax_j(sim_j / τ) over those with
          sim_j ≥ threshold (renormalised); e_global = Σ_j w_j · E_old[j]
- e = (1 − w) · e_local + w · e_global; one heuristic alone when the other has nothing; the
  mean row (counted as a fallback) when neither has.
τ is `temperature + 1e-5`; defaults τ = 0.3, k = 3, w = 0.3, threshold 0 as published.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from tokkit.surgery.rows import NewRows


def hybrid_rows(
    old: torch.Tensor,
    pieces: Sequence[Sequence[int] | None],
    texts: Sequence[str],
    old_texts: Sequence[str],
    phi_new: torch.Tensor,
    phi_old: torch.Tensor,
    *,
    temperature: float = 0.3,
    top_k: int = 3,
    weight: float = 0.3,
    threshold: float = 0.0,
    chunk_size: int = 1024,
) -> NewRows:
    """Rows for new tokens; `phi_new` (A, e) embeds their texts, `phi_old` (V, e) the old tokens'."""
    o = old.float()
    tau = temperature + 1e-5
    new_n = torch.nn.functional.normalize(phi_new.float(), dim=1)
    old_n = torch.nn.functional.normalize(phi_old.float(), dim=1)
    n = len(texts)
    rows = torch.empty(n, o.shape[1])
    fallback = torch.zeros(n, dtype=torch.bool)
    # global: top-k cosine neighbours among all old tokens, in chunks
    global_rows = torch.zeros(n, o.shape[1])
    has_global = torch.zeros(n, dtype=torch.bool)
    for s in range(0, n, chunk_size):
        sims = new_n[s : s + chunk_size] @ old_n.T  # (b, V)
        top, idx = sims.topk(min(top_k, sims.shape[1]), dim=1)
        w = torch.softmax(top / tau, dim=1) * (top >= threshold)
        total = w.sum(1, keepdim=True)
        ok = total.squeeze(1) > 0
        w = torch.where(ok[:, None], w / total.clamp_min(1e-12), w)
        global_rows[s : s + chunk_size] = torch.einsum("bk,bkd->bd", w, o[idx])
        has_global[s : s + chunk_size] = ok
    mean = o.mean(0)
    for t in range(n):
        ids = list(pieces[t] or [])
        local = None
        if ids:
            cos = old_n[ids] @ new_n[t]  # (m,)
            w1 = torch.softmax(cos, dim=0)
            lengths = torch.tensor([len(old_texts[i]) / max(len(texts[t]), 1) for i in ids])
            w = torch.softmax(((w1 + lengths) / 2) / tau, dim=0)
            local = w @ o[ids]
        if local is not None and has_global[t]:
            rows[t] = (1 - weight) * local + weight * global_rows[t]
        elif local is not None:
            rows[t] = local
        elif has_global[t]:
            rows[t] = global_rows[t]
        else:
            rows[t] = mean
            fallback[t] = True
    return NewRows(rows, fallback)
