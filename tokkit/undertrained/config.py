"""What `tokkit audit` computes; every default is declared here once (the CLI reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Indicator(str, Enum):
    COSINE = "cosine"  # unembedding rows: cosine distance to the unused mean, first PC removed
    NORM = "norm"  # input embedding rows: L2 norm (the paper's choice for untied models)


@dataclass(frozen=True)
class AuditSettings:
    verify: int = 100  # top-ranked ordinary tokens to confirm by prompting
    percentile: float = 2.0  # candidates: indicator at or below this percentile of ordinary tokens (the paper's 2%)
    confirm_below: float = 0.01  # confirmed: the best repeat probability over the templates is lower
    indicator: Indicator = Indicator.COSINE
    reference: tuple[int, ...] | None = None  # ids known to be unused [default: found, see pipeline.reference_ids]
    batch_size: int = 32  # verification prompts per forward pass


DEFAULTS = AuditSettings()
