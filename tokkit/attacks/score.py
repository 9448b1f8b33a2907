"""Score cases: per tokenizer, how often the canonical segmentation breaks the intended units;
with a model, how much those inputs hurt it (per-byte loss vs the control, paired tests)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokkit.attacks.cases import Case, Family, misleading, spanning
from tokkit.tokenizer import Tokenizer


@dataclass(frozen=True, slots=True)
class Verdict:
    """One case under one tokenizer."""

    violated: bool
    n_spanning: int


def judge(tok: Tokenizer, case: Case) -> Verdict:
    """Boundary cases: a token crosses two intended units and cuts into one of them (a superword
    covering whole units is no violation). Number cases: a token covers two groups. Unicode: the look-alike
    tokenises differently from the plain text. Special: the library's default encoding turns the
    typed string into a control id."""
    if case.family == Family.BOUNDARY.value:  # a superword (whole words in one token) misreads nothing
        enc = tok.encode_batch([case.text])
        starts, ends = enc.starts.tolist(), enc.ends.tolist()
        return Verdict(bool(misleading(starts, ends, case.units)), len(spanning(starts, ends, case.units)))
    if case.family == Family.NUMBER.value:
        enc = tok.encode_batch([case.text])
        n = len(spanning(enc.starts.tolist(), enc.ends.tolist(), case.units))
        return Verdict(n > 0, n)
    if case.family == Family.UNICODE.value:
        return Verdict(tok.encode(case.text) != tok.encode(case.control_text), 0)
    if case.family == Family.SPECIAL.value:
        hits = [i for i in tok.encode_parsing_specials(case.text) if i in tok.special_ids]
        return Verdict(bool(hits), len(hits))
    raise ValueError(f"unknown family {case.family!r}")


def _nll_bits(model: Any, ids: Sequence[int], start: int | None, *, context: Sequence[int] = ()) -> float:
    """Bits to encode `ids` after `start` and `context` (next-token log-loss, summed)."""
    import torch

    prefix = ([start] if start is not None else []) + list(context)
    inputs = prefix + list(ids)
    if not ids or (not prefix and len(ids) < 2):
        return math.nan
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([inputs])).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    first = max(len(prefix), 1)
    targets = torch.tensor(inputs[first:])
    return float(-logp[first - 1 : len(inputs) - 1].gather(1, targets.unsqueeze(1)).sum()) / math.log(2)


@dataclass(frozen=True, slots=True)
class ModelScores:
    case_bpb: float
    control_bpb: float
    wrong_reading_preferred: bool | None
    split_better: bool | None  # the boundary-respecting (non-canonical) ids of the same text score better


def score_with_model(model: Any, tok: Tokenizer, case: Case, start: int | None) -> ModelScores:
    """Per-byte loss of the case and of its control; which reading the model prefers; and the loss
    of the same text under a non-canonical segmentation that respects the intended units."""
    case_bits = _nll_bits(model, tok.encode(case.text), start)
    control_bits = _nll_bits(model, tok.encode(case.control_text), start)
    case_bpb = case_bits / len(case.text.encode("utf-8"))
    control_bpb = control_bits / len(case.control_text.encode("utf-8"))
    wrong = split = None
    if case.family in (Family.BOUNDARY.value, Family.NUMBER.value) and case.canonical_tokens:
        prompt = tok.encode(f'"{case.text}" is read as "')
        intended = tok.encode(" ".join(case.intended_units) + '"')
        misread = tok.encode(" ".join(t.strip() for t in case.canonical_tokens if t.strip()) + '"')
        if intended != misread:
            wrong = _nll_bits(model, misread, start, context=prompt) < _nll_bits(model, intended, start, context=prompt)
        aligned = [i for unit in case.intended_units for i in tok.encode(unit)]
        if aligned != tok.encode(case.text):
            split = _nll_bits(model, aligned, start) < case_bits
    return ModelScores(case_bpb, control_bpb, wrong, split)
