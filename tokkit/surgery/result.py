"""What a transplant produced, as typed records; `to_json()` gives transplant.json's fields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Counts:
    new_vocab_size: int
    exact: int  # rows copied bit for bit from the base model
    approximated: int  # rows the method initialised from something
    unmatched: int  # rows that fell back to the mean row (the method had nothing to go on)
    special_by_role: dict[str, list[int]]  # role -> [new id, old id]


@dataclass(frozen=True, slots=True)
class Verification:
    """Bits per byte of the base model and of the saved new model on the same text.

    `new_token_*`: restricted to the positions whose target token is an initialised row of the new
    tokenizer (`tokkit.surgery.attribution`); the base figure covers the same bytes.
    """

    eval_text: str
    eval_text_sha256: str
    eval_bytes: int
    base_bits_per_byte: float
    new_bits_per_byte: float
    ratio: float | None
    base_tokens: int
    new_tokens: int
    new_token_mass: float | None
    new_token_positions: int
    new_token_bytes: int
    base_new_token_bits_per_byte: float | None
    new_new_token_bits_per_byte: float | None
    start_tokens: dict[str, int | None]
    generation_sample: str


@dataclass(frozen=True, slots=True)
class HealResult:
    """One heal: the settings, the corpus, the loss, and bits per byte before/after (None: not measured).

    Its fields are transplant.json's "heal" section, in that order; `new_token_*`: on the positions whose
    target is an initialised row; `base_*`: the base model's figures when it was verified on the same text.
    """

    steps: int
    rows: str  # "new" or "all"
    rows_healed: int
    matrices: int  # 1 when embedding and lm_head are tied, else 2
    seed: int
    lr: float
    batch_size: int
    seq_len: int
    device: str
    corpus: str
    corpus_sha256: str
    corpus_tokens: int
    loss_first: float | None  # mean loss of the first (last) ten steps
    loss_last: float | None
    eval_text: str | None
    eval_text_sha256: str | None
    new_token_positions: int | None
    bits_per_byte_before: float | None
    bits_per_byte_after: float | None
    new_token_bits_per_byte_before: float | None
    new_token_bits_per_byte_after: float | None
    base_bits_per_byte: float | None
    base_new_token_bits_per_byte: float | None
    train_seconds: float
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """transplant.json's "heal" section."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TransplantResult:
    """One transplant: the choices, the counts, the OMP error, the verification."""

    method: str
    k: int | None
    omp_screen: int | None
    hybrid: dict[str, Any] | None
    seed: int
    base_model: str
    donor_model: str | None
    tokenizer: str | None
    tied_embeddings: bool
    counts: Counts
    initialised_ids: list[int]  # sorted new ids whose rows were initialised (not copied)
    seconds: float
    omp_relative_error: dict[str, float] | None = None
    verification: Verification | None = None
    notes: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    heal: HealResult | None = None  # `tokkit transplant --heal`: transplant.json then holds it too

    def to_json(self) -> dict[str, Any]:
        """transplant.json's content (keys in a stable order; absent OMP error / verification left out)."""
        out = asdict(self)
        del out["heal"]  # written by the heal step, after the transplant
        for optional in ("omp_relative_error", "verification"):
            if out[optional] is None:
                del out[optional]
        return out
