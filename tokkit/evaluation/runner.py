"""Stream a corpus through a tokenizer and count what the metrics need, per language."""

from __future__ import annotations

import time
import unicodedata
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from tokkit.evaluation.lang_counts import LangCounts as LangCounts  # re-exported: its old home
from tokkit.evaluation.linguistic import LinguisticCounts, ShortTokens
from tokkit.evaluation.metrics import (
    covered_characters,
    pieces_per_word,
    split_words_utf8,
    word_spans,
)
from tokkit.io.corpora import Corpus, iter_batches
from tokkit.io.oracles import Oracle
from tokkit.languages import is_unspaced
from tokkit.tokenizer import EncodedBatch, LibraryOutput, SurfaceBatch, Tokenizer, utf8_lengths

LOOKAHEAD = 3  # batches encoded ahead of the counting


@dataclass(frozen=True, slots=True)
class IdMasks:
    """Masks over every id the encoder can give: UNK tokens, byte-fallback tokens, and the
    byte-fallback tokens whose byte starts a UTF-8 character."""

    unk: np.ndarray
    fallback: np.ndarray
    fallback_lead: np.ndarray

    @classmethod
    def of(cls, tokenizer: Tokenizer) -> IdMasks:
        ids = [*tokenizer.unk_ids, *tokenizer.byte_fallback_ids]
        size = max([tokenizer.vocab_size, len(tokenizer.surfaces or ()), *ids]) + 1
        unk, fallback, lead = (np.zeros(size, dtype=bool) for _ in range(3))
        unk[list(tokenizer.unk_ids)] = True
        fallback[list(tokenizer.byte_fallback_ids)] = True
        for i in tokenizer.byte_fallback_ids:  # named <0xNN>
            lead[i] = int(tokenizer.id_to_token(i)[3:5], 16) & 0xC0 != 0x80
        return cls(unk, fallback, lead)


@dataclass(slots=True)
class _Accumulator:
    vocab_size: int
    per_character: bool
    n_lines: int = 0
    n_bytes: int = 0
    n_chars: int = 0
    n_words: int = 0
    n_tokens: int = 0
    n_split_words: int = 0
    n_unk_chars: int = 0
    n_fallback_chars: int = 0
    encode_seconds: float = 0.0
    token_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, lines: list[str], batch: SurfaceBatch, masks: IdMasks, text: list[str] | None = None) -> None:
        """Count one batch of lines; `batch` encodes `text` (`nfc_view(lines)`, or the lines themselves).

        Lines, characters and bytes are those of `lines`; words and splits are counted in `text`.
        """
        self.n_lines += len(lines)
        self.n_chars += sum(map(len, lines))
        self.n_bytes += int(batch.line_bytes.sum() if text is None or text is lines else utf8_lengths(lines).sum())
        lines = lines if text is None else text
        self.n_tokens += int(batch.ids.size)
        counts = np.bincount(batch.ids, minlength=self.vocab_size)
        if counts.size > self.token_counts.size:
            counts[: self.token_counts.size] += self.token_counts
            self.token_counts = counts
        else:
            self.token_counts[: counts.size] += counts
        exact = batch.exact
        if exact.all():
            self._add_exact(lines, batch.line_bytes, batch.ids, batch.nbytes, batch.prefix, masks)
            return
        if exact.any():
            keep = np.repeat(exact, batch.lengths)
            picked = [lines[k] for k in np.flatnonzero(exact).tolist()]
            self._add_exact(picked, batch.line_bytes[exact], batch.ids[keep], batch.nbytes[keep], batch.prefix, masks)
        self._add_offsets([lines[k] for k in np.flatnonzero(~exact).tolist()], batch.inexact, masks)

    def _add_exact(
        self, lines: list[str], line_bytes: np.ndarray, ids: np.ndarray, nbytes: np.ndarray, prefix: bytes,
        masks: IdMasks,
    ) -> None:  # fmt: skip
        """Words and splits of lines whose token surfaces rebuild `prefix` + line, in byte positions."""
        pre = prefix.decode("utf-8")
        text = (pre + pre.join(lines) if pre else "".join(lines)).encode("utf-8")  # what the tokens spell
        line_size = line_bytes + len(prefix)
        line_starts = np.cumsum(line_size) - line_size + len(prefix)
        ends = np.cumsum(nbytes)
        n_words, n_split = split_words_utf8(text, ends, per_character=self.per_character, breaks=line_starts)
        self.n_words += n_words
        self.n_split_words += n_split
        # Byte fallback spells whole characters, one byte token each: count the first bytes.
        # (UNK tokens have no surface, so their lines are never exact.)
        if masks.fallback_lead.any():
            self.n_fallback_chars += int(np.count_nonzero(masks.fallback_lead[ids]))

    def _add_offsets(self, lines: list[str], enc: EncodedBatch, masks: IdMasks) -> None:
        """Words, splits, UNK and fallback characters of lines from the library's character offsets."""
        joined = "\n".join(lines)  # "\n" separators are whitespace, so no word crosses a line
        codepoints = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        line_base = np.zeros(len(lines), dtype=np.int64)
        np.cumsum([len(s) + 1 for s in lines[:-1]], out=line_base[1:])
        base = np.repeat(line_base, enc.lengths)
        starts, ends = enc.starts + base, enc.ends + base

        w_starts, w_ends = word_spans(codepoints, per_character=self.per_character)
        pieces = pieces_per_word(starts, ends, w_starts, w_ends)
        self.n_words += int(pieces.size)
        self.n_split_words += int(np.count_nonzero(pieces >= 2))

        unk, fallback = masks.unk[enc.ids], masks.fallback[enc.ids]
        self.n_unk_chars += covered_characters(starts[unk], ends[unk], len(joined))
        self.n_fallback_chars += covered_characters(starts[fallback], ends[fallback], len(joined))


def nfc_view(lines: list[str]) -> list[str]:
    """The lines NFC-normalised (`lines` itself when every line is NFC already).

    For the fast path of an NFC tokenizer: tiktoken's tokens spell NFC(line), so its words and
    split words are counted in that text, by byte positions, instead of asking the library for
    character offsets into the line. The counts are the same for words separated by whitespace:
    NFC maps whitespace to whitespace and never composes across it (every whitespace character is
    a starter nothing composes with), so the words of a line and of its NFC form correspond one to
    one, and a token boundary inside an NFC word lies inside the same word of the line (the
    library's offsets map each NFC character back to the characters it came from). Not so for
    languages counted per character, where composition changes the number of words: those keep
    the library's offsets (tests/test_fast_counting.py checks both against `--counting exact`).
    """
    is_normalized = unicodedata.is_normalized
    changed = [k for k, s in enumerate(lines) if not is_normalized("NFC", s)]
    if not changed:
        return lines
    out = list(lines)
    for k in changed:
        out[k] = unicodedata.normalize("NFC", lines[k])
    return out


def count_tokens(
    tokenizer: Tokenizer,
    corpus: Corpus,
    *,
    batch_size: int = 2048,
    on_progress: Callable[[int], None] | None = None,
) -> list[LangCounts]:
    """Encode every line of `corpus` (no special tokens added) and count per language."""
    masks = IdMasks.of(tokenizer)
    accs: dict[str, _Accumulator] = {}

    def timed_encode(lines: list[str]) -> tuple[LibraryOutput, float]:
        t0 = time.perf_counter()
        encoded = tokenizer.encode_ids(lines)
        return encoded, time.perf_counter() - t0

    def consume(lang: str, lines: list[str], text: list[str], job: Future[tuple[LibraryOutput, float]]) -> None:
        encoded, seconds = job.result()
        acc = accs[lang]
        acc.encode_seconds += seconds
        acc.add(lines, tokenizer.encode_surfaces(text, encoded), masks, text)

    # The library encodes up to LOOKAHEAD batches ahead (native code, GIL mostly released) while
    # this thread does the Python and numpy work on the oldest one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque[tuple[str, list[str], list[str], Future[tuple[LibraryOutput, float]]]] = deque()
        for lang, lines, n_read in iter_batches(corpus, batch_size):
            if on_progress is not None:
                on_progress(n_read)
            if not lines:
                continue
            acc = accs.get(lang)
            if acc is None:
                acc = accs[lang] = _Accumulator(tokenizer.vocab_size, is_unspaced(lang))
            text = nfc_view(lines) if tokenizer.encodes_nfc_text and not acc.per_character else lines
            pending.append((lang, lines, text, pool.submit(timed_encode, text)))
            if len(pending) > LOOKAHEAD:
                consume(*pending.popleft())
        while pending:
            consume(*pending.popleft())
    return [
        LangCounts(
            tokenizer=tokenizer.name,
            corpus=corpus.name,
            lang=lang,
            word_unit="character" if acc.per_character else "whitespace",
            n_lines=acc.n_lines,
            n_bytes=acc.n_bytes,
            n_chars=acc.n_chars,
            n_words=acc.n_words,
            n_tokens=acc.n_tokens,
            n_split_words=acc.n_split_words,
            n_unk_chars=acc.n_unk_chars,
            n_fallback_chars=acc.n_fallback_chars,
            vocab_size=max(tokenizer.vocab_size, acc.token_counts.size),
            encode_seconds=acc.encode_seconds,
            token_counts=acc.token_counts,
        )
        for lang, acc in sorted(accs.items())
    ]


def token_type_counts(tokenizer: Tokenizer, counts: LangCounts) -> tuple[dict[str, int], dict[str, int]]:
    """Corpus counts of the tokens used, by normalised string (see `linguistic`), and the types
    set aside by id (`special`, `byte` for byte-fallback tokens)."""
    from tokkit.languages import fold_case
    from tokkit.tokens import strip_markers

    by_text: dict[str, int] = {}
    excluded = {"special": 0, "byte": 0}
    for token_id in np.flatnonzero(counts.token_counts).tolist():
        n = int(counts.token_counts[token_id])
        if token_id in tokenizer.special_ids:
            excluded["special"] += 1
        elif token_id in tokenizer.byte_fallback_ids:
            excluded["byte"] += 1
        else:
            text = fold_case(strip_markers(tokenizer.decode([token_id])), counts.lang)
            by_text[text] = by_text.get(text, 0) + n
    return by_text, excluded


def linguistic_for(
    tokenizer: Tokenizer, counts: LangCounts, oracle: Oracle, *, short_tokens: ShortTokens
) -> LinguisticCounts:
    """%TR/%Pure counts of one tokenizer on one language, judged by `oracle` (cached per string)."""
    from tokkit.evaluation.linguistic import linguistic_counts
    from tokkit.io.oracles import AnalyserError

    type_counts, excluded = token_type_counts(tokenizer, counts)

    def judge(text: str) -> tuple[bool, bool] | None:
        try:
            return oracle.is_valid(text), oracle.is_pure(text)
        except AnalyserError:
            return None

    return linguistic_counts(
        type_counts, judge, oracle=oracle.name, is_short_word=oracle.is_short_word,
        short_tokens=short_tokens, excluded=excluded,
    )  # fmt: skip
