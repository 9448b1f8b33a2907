"""What to train: one frozen config per run; the CLI reads its defaults from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Algorithm(str, Enum):
    BPE = "bpe"
    UNIGRAM = "unigram"
    WORDPIECE = "wordpiece"
    SP_BPE = "sp-bpe"
    SP_UNIGRAM = "sp-unigram"
    SUPERBPE = "superbpe"
    SUPERTOKEN = "supertoken"


class NumberScheme(str, Enum):
    """How digit runs are cut before training (and by the saved tokenizer)."""

    NONE = "none"  # a digit run is one pre-token
    DIGITS = "digits"  # every digit alone
    L2R3 = "l2r3"  # groups of up to 3 digits from the left (GPT-4: 1234 -> 123|4)
    R2L3 = "r2l3"  # groups of 3 from the right (1234 -> 1|234), as thousands are written


class Normalization(str, Enum):
    NONE = "none"
    NFC = "nfc"
    NFKC = "nfkc"


DEFAULT_SPECIALS: dict[Algorithm, tuple[str, ...]] = {
    Algorithm.BPE: ("<|endoftext|>",),
    Algorithm.SUPERBPE: ("<|endoftext|>",),
    Algorithm.SUPERTOKEN: ("<|endoftext|>",),
    Algorithm.UNIGRAM: ("<unk>", "<s>", "</s>"),
    Algorithm.WORDPIECE: ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"),
    Algorithm.SP_BPE: ("<unk>", "<s>", "</s>"),
    Algorithm.SP_UNIGRAM: ("<unk>", "<s>", "</s>"),
}

# TokenAdapt's supertoken chunk lengths (characters) and their probabilities (METHODS §5.5).
SUPERTOKEN_CHUNKS: tuple[tuple[int, int, float], ...] = (
    (4, 5, 0.044), (6, 7, 0.091), (8, 9, 0.146), (10, 11, 0.171), (12, 13, 0.185),
    (14, 15, 0.171), (16, 17, 0.146), (18, 19, 0.091), (20, 21, 0.044), (22, 23, 0.011),
)  # fmt: skip


TEXT_COLUMN = "text"  # the text column of .jsonl/.parquet corpora
SUITE_SIZES = (4000, 8000, 16000, 32000)  # vocabulary sizes of a --per-language suite


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything that decides the trained tokenizer; recorded in the run's sidecar."""

    algorithm: Algorithm = Algorithm.BPE
    vocab_size: int = 32_000
    min_frequency: int = 2
    special_tokens: tuple[str, ...] | None = None  # None: the algorithm's defaults
    numbers_option: NumberScheme | None = None  # None: l2r3, or digits for SentencePiece
    normalization: Normalization = Normalization.NONE
    pretokenizer_regex: str | None = None  # None: the GPT-4o-style default
    seed: int = 0
    transition: float = 0.9  # superbpe: stage-1 vocabulary, a fraction (<= 1) or a count (> 1)
    max_words_per_token: int = 4  # superbpe
    max_token_length: int = 30  # supertoken (characters)
    chunk_lengths: tuple[tuple[int, int, float], ...] = field(default=SUPERTOKEN_CHUNKS)

    @property
    def numbers(self) -> NumberScheme:
        """The number scheme in force: the option, else l2r3 (GPT-4), or digits for SentencePiece."""
        if self.numbers_option is not None:
            return self.numbers_option
        sp = self.algorithm in (Algorithm.SP_BPE, Algorithm.SP_UNIGRAM)
        return NumberScheme.DIGITS if sp else NumberScheme.L2R3

    @property
    def specials(self) -> tuple[str, ...]:
        return self.special_tokens if self.special_tokens is not None else DEFAULT_SPECIALS[self.algorithm]

    def stage1_vocab_size(self) -> int:
        """SuperBPE's transition point t as a vocabulary size."""
        t = self.transition
        return round(t * self.vocab_size) if t <= 1 else int(t)
