"""Transplant choices (no heavy imports: the CLI reads its defaults from here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

# corpora/eval/heldout-en.txt, shipped inside the package too so that an installed wheel has it
DEFAULT_EVAL_TEXT = Path(__file__).resolve().parents[1] / "data" / "heldout-en.txt"


class Method(str, Enum):
    OMP = "omp"
    SUBWORD_MEAN = "subword-mean"
    MEAN = "mean"
    ZERO = "zero"
    RANDOM = "random"
    HYBRID = "hybrid"


class Embedder(str, Enum):
    """Auxiliary embedding space of the hybrid heuristic."""

    BASE = "base"  # the base model's own hidden states (first layers)
    MINILM = "minilm"  # all-MiniLM-L6-v2 from PyPI


@dataclass(frozen=True, slots=True)
class TransplantConfig:
    method: Method = Method.OMP
    k: int = 64
    seed: int = 0
    device: str = "cpu"
    chunk_size: int = 1024  # OMP targets per batch: memory is chunk_size × anchors floats
    window: int = 512  # tokens per forward pass when measuring bits per byte
    embedder: Embedder = Embedder.BASE  # hybrid
    temperature: float = 0.3  # hybrid (TokenAdapt's defaults)
    top_k: int = 3
    global_weight: float = 0.3
