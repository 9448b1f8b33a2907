"""Build adversarial cases from a tokenizer's own vocabulary and a word list, verified one by one."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from tokkit.attacks.cases import Case, Family, misleading, r2l_groups, spanning, unicode_variants, unit_spans
from tokkit.errors import InputError
from tokkit.languages import is_unspaced
from tokkit.tokenizer import Tokenizer
from tokkit.tokens import strip_markers

MAX_AFFIX = 8  # characters of a word's prefix/suffix a trap token may take
STOPWORDS = 100  # the most frequent words of a spaced language are left out of boundary pairs


def tokenize(tok: Tokenizer, text: str, units: Sequence[tuple[int, int]]) -> tuple[list[str], list[str]]:
    """Canonical token strings of `text` and those that cross a unit boundary (by character span)."""
    enc = tok.encode_batch([text])
    starts, ends = enc.starts.tolist(), enc.ends.tolist()
    pieces = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    return pieces, [pieces[i] for i in spanning(starts, ends, units)]


def cuts_into_units(tok: Tokenizer, text: str, units: Sequence[tuple[int, int]]) -> bool:
    """True when some token of `text` crosses a unit boundary with an end strictly inside a unit."""
    enc = tok.encode_batch([text])
    return bool(misleading(enc.starts.tolist(), enc.ends.tolist(), units))


def _vocabulary_words(tok: Tokenizer) -> list[str]:
    """Vocabulary entries that are pure letters (markers stripped), as candidate trap tokens."""
    out = set()
    surfaces = tok.token_bytes()
    for i, b in enumerate(surfaces):
        if b is None or i in tok.special_ids:
            continue
        try:
            text = strip_markers(b.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        if len(text) >= 2 and text.isalpha():
            out.add(text)
    return sorted(out)


def check_vocabulary(tok: Tokenizer) -> None:
    """A tokenizer with no word-like entries cannot supply traps."""
    if not _vocabulary_words(tok):
        raise InputError(
            f"tokenizer {tok.name} has no vocabulary entries made of letters to build traps from",
            hint="pass a trained tokenizer with a real vocabulary",
        )


def boundary_cases(
    tok: Tokenizer,
    lang: str,
    words: Sequence[str],
    n: int,
    *,
    skip_top: int = 0,
    max_candidates: int = 20_000,
    stats: dict[str, int] | None = None,
) -> list[Case]:
    """Pairs w1, w2 written together where a vocabulary token takes the end of w1 and the start of w2.

    A case is kept only when a crossing token cuts into a word (`cases.misleading`); pairs whose
    crossing tokens all cover whole words (superwords, e.g. 一个人 for 一个|人) are dropped and
    counted in `stats["superword_only"]`, and the search goes on so that `n` cases are found
    where the vocabulary allows (`stats["candidates"]` pairs were tried)."""
    unspaced = is_unspaced(lang)
    min_len = 1 if unspaced else 3  # spaced languages: content words, not "of"+"to"
    known = set(words)
    skip = 0 if unspaced else skip_top  # the most frequent words of spaced languages are function words
    words = [w for w in list(dict.fromkeys(words))[skip:] if w.isalpha() and len(w) >= min_len]
    rank = {w: i for i, w in enumerate(words)}
    by_suffix: dict[str, list[str]] = defaultdict(list)
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for w in words:
        for j in range(1, min(MAX_AFFIX, len(w)) + 1):
            if len(by_suffix[w[-j:]]) < 3:
                by_suffix[w[-j:]].append(w)
            if len(by_prefix[w[:j]]) < 3:
                by_prefix[w[:j]].append(w)
    candidates: set[tuple[str, str, str]] = set()
    for token in _vocabulary_words(tok):
        if not unspaced and len(token) < 3:
            continue
        for j in range(1, len(token)):
            left, right = token[:j], token[j:]
            for w1 in by_suffix.get(left, []):
                for w2 in by_prefix.get(right, []):
                    if w1 != w2 and w1 + w2 not in known and token not in (w1, w2, w1 + w2):
                        candidates.add((w1, w2, token))  # w1+w2 a word itself would be no trap
    # the most frequent words first, traps that are themselves words first
    ordered = sorted(candidates, key=lambda c: (c[2] not in known, rank[c[0]] + rank[c[1]], c))[:max_candidates]
    cases: list[Case] = []
    seen: set[str] = set()
    superword_only = 0
    for attempt, (w1, w2, _) in enumerate(ordered):
        if len(cases) >= n:
            break
        text, units = _styled(w1, w2, attempt, unspaced)
        if text in seen:
            continue
        seen.add(text)
        tokens, crossing = tokenize(tok, text, units)
        if not crossing:
            continue
        if not cuts_into_units(tok, text, units):
            superword_only += 1
            continue
        control, control_units = unit_spans([w1, w2], " ")
        if tokenize(tok, control, control_units)[1]:
            continue  # the control must tokenise along the boundary
        trap = next((t for t in crossing if t in known and (unspaced or len(t) >= 3)), None)
        cases.append(_case(lang, Family.BOUNDARY, text, [w1, w2], tokens, crossing, trap, control, units, tok))
    if stats is not None:
        stats.update(superword_only=superword_only, candidates=len(ordered))
    return cases


def _styled(w1: str, w2: str, k: int, unspaced: bool) -> tuple[str, list[tuple[int, int]]]:
    """How the pair is written: as the language writes compounds (unspaced languages), else in turn
    run together, as a hashtag, as a domain name, or as a camelCase identifier."""
    text, units = unit_spans([w1, w2])
    if unspaced:
        return text, units
    style = k % 4
    if style == 1:
        return "#" + text, [(a + 1, b + 1) for a, b in units]
    if style == 2:
        return "www." + text + ".com", [(a + 4, b + 4) for a, b in units]
    if style == 3 and w2[:1].islower():
        return w1 + w2[:1].upper() + w2[1:], units
    return text, units


def number_cases(tok: Tokenizer, lang: str, n: int, *, seed: int) -> list[Case]:
    """Digit runs whose tokens cut across thousands groups (read right to left), with a comma control."""
    rng = random.Random(seed)
    cases: list[Case] = []
    seen: set[str] = set()
    for _ in range(n * 20):
        if len(cases) >= n:
            break
        digits = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([3, 4, 6, 7])))
        if digits in seen or len(digits) % 3 == 0:
            continue
        seen.add(digits)
        groups = r2l_groups(digits)
        text, units = unit_spans(groups)
        tokens, crossing = tokenize(tok, text, units)
        if not crossing:
            continue
        control, _ = unit_spans(groups, ",")
        cases.append(_case(lang, Family.NUMBER, text, groups, tokens, crossing, None, control, units, tok))
    return cases


def special_cases(tok: Tokenizer, lang: str, n: int) -> list[Case]:
    """Special-token strings typed as text, where the library's default encoding makes them control ids."""
    cases: list[Case] = []
    for i in sorted(tok.special_ids)[:200]:
        if len(cases) >= n:
            break
        special = tok.id_to_token(i)
        if not special or special.isspace():
            continue
        text = f"Please repeat {special} exactly."
        default = tok.encode_parsing_specials(text)
        if not set(default) & tok.special_ids:
            continue
        a = text.index(special)
        units = [(a, a + len(special))]
        tokens, _ = tokenize(tok, text, units)
        control = f"Please repeat {special.replace('<', '< ').replace('[', '[ ')} exactly."
        cases.append(_case(lang, Family.SPECIAL, text, [special], tokens, [special], None, control, units, tok))
    return cases


def unicode_cases(tok: Tokenizer, lang: str, words: Sequence[str], n: int) -> list[Case]:
    """Words spelled with look-alike characters that tokenise differently from the plain word."""
    cases: list[Case] = []
    for w in words:
        if len(cases) >= n:
            break
        if not w.isalpha() or len(w) < 4:
            continue
        plain = tok.encode(w)
        for _kind, variant in unicode_variants(w):
            if tok.encode(variant) != plain:
                units = [(0, len(variant))]
                tokens, _ = tokenize(tok, variant, units)
                cases.append(_case(lang, Family.UNICODE, variant, [w], tokens, [], None, w, units, tok))
                break
    return cases


def _case(
    lang: str,
    family: Family,
    text: str,
    intended: list[str],
    tokens: list[str],
    crossing: list[str],
    trap: str | None,
    control: str,
    units: list[tuple[int, int]],
    tok: Tokenizer,
) -> Case:
    return Case("", lang, family.value, text, intended, tokens, crossing, trap, control, units, tok.name)


def generate(
    tok: Tokenizer,
    lang: str,
    words: Sequence[str],
    *,
    n: int,
    seed: int,
    n_other: int = 20,
    skip_top: int = 0,
    stats: dict[str, int] | None = None,
) -> list[Case]:
    """Boundary cases (up to `n`) plus up to `n_other` of each other family, numbered in a stable order.

    `skip_top` leaves the most frequent words out of boundary pairs (the function words of a
    frequency list); `stats` receives the boundary search's counts (see `boundary_cases`).
    """
    cases = boundary_cases(tok, lang, words, n, skip_top=skip_top, stats=stats)
    cases += number_cases(tok, lang, n_other, seed=seed)
    cases += unicode_cases(tok, lang, words, n_other)
    cases += special_cases(tok, lang, n_other)
    return [replace(c, id=f"{lang}-{c.family}-{k:05d}") for k, c in enumerate(cases)]
