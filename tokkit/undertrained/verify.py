"""Confirm candidates by asking the model to repeat them: a token it cannot repeat is under-trained.

Each template is text with slots where the token goes (spliced in by id, so even tokens that text
cannot produce are asked about); the last slot is the one predicted. Every prompt of a template
has the same length, so a batch needs no padding, and only the last position's logits are made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SLOT = None  # where the token goes in a template


@dataclass(frozen=True, slots=True)
class Template:
    """A prompt as text pieces and token slots; the model is asked for the token after it."""

    name: str
    pieces: tuple[str | None, ...]


def _repeat(name: str, head: str, shot: tuple[str | None, ...], times: int, ask: tuple[str | None, ...]) -> Template:
    return Template(name, (head, *(shot * times), *ask))


TEMPLATES = (
    _repeat("echo", "A machine that copies its input exactly, shown on six identical trials.",
            ("\nIn: «", SLOT, "»\nOut: «", SLOT, "»"), 5, ("\nIn: «", SLOT, "»\nOut: «")),
    Template("quote", ("Q: How do you spell 'xqzv'?\nA: 'xqzv'\nQ: How do you spell '", SLOT, "'?\nA: '")),
    _repeat("repeat", "The same string, written again and again without change:\n", (SLOT,), 12, ()),
)  # fmt: skip


def build_prompts(
    template: Template, token_ids: Sequence[int], encode: Callable[[str], list[int]], start: int | None
) -> np.ndarray:
    """One row of ids per token: `start` (if any), then the template with the token in every slot."""
    parts = [encode(p) if p is not SLOT else None for p in template.pieces]
    ids = np.asarray(token_ids, dtype=np.int64)
    columns: list[np.ndarray] = [] if start is None else [np.full((len(ids), 1), start, dtype=np.int64)]
    for part in parts:
        if part is None:
            columns.append(ids[:, None])
        elif part:
            columns.append(np.tile(np.asarray(part, dtype=np.int64), (len(ids), 1)))
    return np.concatenate(columns, axis=1)


def next_token_probability(
    model: Any, prompts: np.ndarray, targets: Sequence[int], *, batch_size: int = 32, advance: Callable[[int], None]
) -> np.ndarray:
    """Probability the model gives `targets[i]` right after `prompts[i]` (softmax of the last logits)."""
    import torch

    out = np.empty(len(prompts), dtype=np.float64)
    tgt = torch.as_tensor(np.asarray(targets, dtype=np.int64))
    with torch.inference_mode():
        for a in range(0, len(prompts), batch_size):
            batch = torch.as_tensor(prompts[a : a + batch_size])
            logits = model(input_ids=batch, logits_to_keep=1).logits[:, -1, :].float()
            probs = torch.softmax(logits, dim=-1)
            out[a : a + len(batch)] = probs.gather(1, tgt[a : a + len(batch), None])[:, 0].numpy()
            advance(len(batch))
    return out


def repeat_probabilities(
    model: Any,
    token_ids: Sequence[int],
    encode: Callable[[str], list[int]],
    start: int | None,
    *,
    templates: Sequence[Template] = TEMPLATES,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda n: None,
) -> np.ndarray:
    """(n_tokens, n_templates) probabilities that the model repeats each token when asked to."""
    columns = [
        next_token_probability(model, build_prompts(t, token_ids, encode, start), token_ids,
                               batch_size=batch_size, advance=advance)
        for t in templates
    ]  # fmt: skip
    return np.stack(columns, axis=1) if columns else np.empty((len(token_ids), 0))
