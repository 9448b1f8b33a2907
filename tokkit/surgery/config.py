"""Transplant choices, each default declared once (no heavy imports: the CLI takes its defaults from here)."""

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
    omp_screen: int | None = None  # omp: keep the M best-correlated anchors per target (None: exact OMP)
    seed: int = 0
    device: str = "cpu"
    chunk_size: int = 1024  # OMP targets per batch: memory is chunk_size × anchors floats
    window: int = 512  # tokens per forward pass when measuring bits per byte
    embedder: Embedder = Embedder.BASE  # hybrid
    temperature: float = 0.3  # hybrid (TokenAdapt's defaults)
    top_k: int = 3
    global_weight: float = 0.3


class HealRows(str, Enum):
    NEW = "new"  # only the initialised rows
    ALL = "all"  # every embedding / lm_head row


# the default heal corpus, shipped inside the package: disjoint from every verification text
DEFAULT_HEAL_CORPUS = Path(__file__).resolve().parents[1] / "data" / "heal-default.txt"


@dataclass(frozen=True, slots=True)
class HealConfig:
    """A short fine-tune of embedding / lm_head rows only (Adam, no weight decay, everything else frozen)."""

    steps: int = 200
    rows: HealRows = HealRows.NEW
    batch_size: int = 4  # windows per step
    seq_len: int = 128  # tokens per window
    lr: float = 1e-3
    seed: int = 0
    device: str = "cpu"
    # torch threads while healing (0: leave torch's setting). One, because where the cores are shared
    # OpenMP's two-thread barriers stall on every small op: see docs/benchmarks.md (heal speed).
    threads: int = 1
