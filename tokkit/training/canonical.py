"""Deterministic versions of the two Hugging Face trainers that iterate hash maps.

- WordPiece: HF's `WordPieceTrainer` is BPE with `##` continuation symbols whose ids follow
  hash-map order, so ties break differently from run to run. Here the same BPE runs on sorted
  symbols with `pair_merges.learn_merges` (deterministic: ties go to the smaller ids).
- Unigram: HF's `UnigramTrainer` finds the same pieces but scores some differently run to run.
  Here the pieces are kept and their scores re-estimated from scratch by Viterbi EM on the
  training words (start: every piece -1, i.e. fewest pieces; then log relative frequency).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from tokkit.training.pair_merges import learn_merges

EM_ROUNDS = 3


def count_words(tok: Any, texts: Iterable[str]) -> Counter[str]:
    """Pre-tokens of the texts under `tok`'s normaliser and pre-tokenizer, with their counts."""
    counts: Counter[str] = Counter()
    norm, pre = tok.normalizer, tok.pre_tokenizer
    for text in texts:
        if norm is not None:
            text = norm.normalize_str(text)
        counts.update(piece for piece, _ in pre.pre_tokenize_str(text))
    return counts


def wordpiece_vocab(words: Counter[str], specials: list[str], vocab_size: int, min_frequency: int) -> dict[str, int]:
    """A WordPiece vocabulary learned by BPE over `##`-continuation symbols, deterministically."""
    ordered = sorted(words)
    symbols = sorted({w[0] for w in ordered if w} | {"##" + c for w in ordered for c in w[1:]})
    strings = [*specials, *symbols]
    index = {s: i for i, s in enumerate(strings)}
    sequences = [[index[w[0]], *(index["##" + c] for c in w[1:])] for w in ordered if w]
    counts = [words[w] for w in ordered if w]
    wanted = max(0, vocab_size - len(strings))
    surfaces = [s.encode("utf-8") for s in strings]
    result = learn_merges(sequences, counts, surfaces, int(wanted * 1.2) + 8, min_frequency=max(min_frequency, 1))
    vocab = dict(index)
    for a, b in result.merges:
        if len(vocab) >= vocab_size:
            break
        strings.append(strings[a] + strings[b].removeprefix("##"))
        if strings[-1] not in vocab:
            vocab[strings[-1]] = len(vocab)
    return vocab


def reestimate_unigram(tok: Any, words: Counter[str], specials: list[str]) -> list[tuple[str, float]]:
    """The trained Unigram's pieces with scores from Viterbi EM that depends on nothing but the pieces."""
    import json

    from tokenizers import models

    spec = json.loads(tok.to_str())["model"]
    pieces = sorted(p for p, _ in spec["vocab"] if p not in specials)
    scores = dict.fromkeys(pieces, -1.0)
    ordered = sorted(words)
    for _ in range(EM_ROUNDS):
        vocab = [(s, 0.0) for s in specials] + [(p, scores[p]) for p in pieces]
        model = models.Unigram(vocab, unk_id=0 if specials else None, byte_fallback=False)
        freq: Counter[str] = Counter()
        for w in ordered:
            for t in model.tokenize(w):
                freq[t.value] += words[w]
        total = sum(freq[p] for p in pieces) or 1
        floor = math.log(0.5 / total)
        scores = {p: (math.log(freq[p] / total) if freq[p] else floor - 1.0) for p in pieces}
    ranked = sorted(pieces, key=lambda p: (-scores[p], p))
    return [(s, 0.0) for s in specials] + [(p, round(scores[p], 12)) for p in ranked]
