"""Transplant choices (no heavy imports: the CLI reads its defaults from here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Method(str, Enum):
    OMP = "omp"
    SUBWORD_MEAN = "subword-mean"
    MEAN = "mean"
    ZERO = "zero"
    RANDOM = "random"


@dataclass(frozen=True, slots=True)
class TransplantConfig:
    method: Method = Method.OMP
    k: int = 64
    seed: int = 0
    device: str = "cpu"
    chunk_size: int = 1024  # OMP targets per batch: memory is chunk_size × anchors floats
    window: int = 512  # tokens per forward pass when measuring bits per byte
