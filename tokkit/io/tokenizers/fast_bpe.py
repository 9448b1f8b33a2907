"""Count a Hugging Face byte-level BPE tokenizer's ids with tiktoken's encoder (`--counting fast`).

A `tokenizer.json` can take the fast path when tiktoken can express every step of it exactly:

- model: BPE without dropout, byte fallback, continuing-subword prefix or end-of-word suffix,
  whose vocabulary holds all 256 byte-level characters;
- merges: every merge joins two vocabulary entries into one, the ids of the merged tokens never
  decrease along the merge list (so tiktoken's "lowest rank first", with rank = id, is HF's
  "earliest merge first"), and the merges run on each token's own bytes build that token
  (tiktoken merges any adjacent pair whose bytes are a token, HF only listed pairs: see
  `_check_tiktoken_stops_where_the_library_does`);
- normalizer: none, or NFC (applied in Python first);
- pre-tokenizer: one `Split(regex, Isolated)` followed by `ByteLevel(use_regex=false)`, or
  `ByteLevel(use_regex=true)` alone (GPT-2's regex), never with `add_prefix_space`;
- added tokens: special ones are text to tokkit, so tiktoken sees them as text too; the others
  are cut out before splitting (tiktoken's special tokens do the same), when none has
  `single_word`/`lstrip`/`rstrip`, none is normalised, and none is a prefix of another.

Then `mergeable_ranks` = each token's bytes -> its id, so tiktoken's ids are the tokenizer's own.
Equivalence is still not assumed: `FastBPE.probe` compares both encoders on a probe text of many
scripts, spacing and digit patterns, and the caller falls back to the library when they differ.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np

from tokkit.tokenizer import BYTE_LEVEL_DECODE

# HF ByteLevel(use_regex=true)'s own pattern (tokenizers/src/pre_tokenizers/byte_level.rs)
GPT2_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# Lines both encoders must agree on before the fast path is used: many scripts, contractions,
# digit runs, runs of spaces and newlines, tabs, combining marks, emoji and special-token strings.
PROBE_LINES: tuple[str, ...] = (
    "Hello world, 123. It's a test -- isn't it? I'LL see; we've 4567890 things...",
    "  leading and   inner   spaces, trailing   ",
    "tab\tand\r\nnewlines\n\n\nend\u00a0nbsp\u2009thin\u3000ideographic",
    "Türkçe: kitaplarımızdan, İstanbul'da ığdır; Ελληνικά; Русский текст — «кавычки».",
    "中文分词测试，日本語のテキストです。한국어 문장입니다. ภาษาไทยไม่มีช่องว่าง",
    "العربية والأرقام ١٢٣٤ עברית हिन्दी में संख्या १२३ বাংলা ગુજરાતી தமிழ்",
    "e\u0301 combining a\u0308 n\u0303, ﬁ ligature, Ω ohm, ½ ⅓ ², emoji 👩🏽‍💻 🇹🇷 ❤️",
    "code: def f(x): return x**2 + 1  # comment\n    if a<=b and c!=d: pass {'k': [1, 2]}",
    "<|endoftext|> <s> </s> [CLS] <unk> <|im_start|>user<|im_end|> <tool_call>x</tool_call> <think>",
    "numbers 1 12 123 1234 12345 3.14159 1,000,000 2026-12-03 0x1F 99%",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE ’s ’t",
    "\x00\x01\x7f control \ufeff bom \ud7ff \ue000 private \U0010fffd end",
)


class NotExpressible(Exception):
    """The tokenizer has a step tiktoken cannot reproduce; the message names it."""


@dataclass(frozen=True, slots=True)
class FastPlan:
    """What tiktoken needs: the split regex, token bytes -> id, and the normalizer to apply first."""

    pattern: str
    ranks: dict[bytes, int]
    nfc: bool
    added: dict[str, int]  # non-special added tokens, cut out of the text before splitting


def _normalizer(spec: dict[str, Any]) -> bool:
    """True for NFC, False for none; raises for anything else."""
    norm = spec.get("normalizer")
    while isinstance(norm, dict) and norm.get("type") == "Sequence":
        inner = norm.get("normalizers") or []
        if len(inner) > 1:
            raise NotExpressible(f"its normalizer is a sequence of {len(inner)} steps")
        norm = inner[0] if inner else None
    if norm is None:
        return False
    if norm.get("type") == "NFC":
        return True
    raise NotExpressible(f"its normalizer is {norm.get('type')}, not none or NFC")


def _pattern(spec: dict[str, Any]) -> str:
    """The one regex of the pre-tokenizer, before a ByteLevel step."""
    pre = spec.get("pre_tokenizer")
    listed = pre.get("pretokenizers", []) if isinstance(pre, dict) and pre.get("type") == "Sequence" else [pre]
    steps: list[dict[str, Any]] = [s for s in listed if isinstance(s, dict)]
    if not steps or steps[-1].get("type") != "ByteLevel":
        kinds = ", ".join(str(s.get("type")) for s in steps) or "none"
        raise NotExpressible(f"its pre-tokenizer ({kinds}) does not end in ByteLevel")
    byte_level, splits = steps[-1], steps[:-1]
    if byte_level.get("add_prefix_space"):
        raise NotExpressible("its ByteLevel pre-tokenizer adds a prefix space")
    if byte_level.get("use_regex", True):
        if splits:
            raise NotExpressible("its pre-tokenizer splits before ByteLevel's own regex")
        return GPT2_REGEX
    if len(splits) != 1:
        raise NotExpressible(f"its pre-tokenizer has {len(splits)} split steps; tiktoken takes exactly one regex")
    split = splits[0]
    regex = (split.get("pattern") or {}).get("Regex") if split.get("type") == "Split" else None
    if regex is None or split.get("behavior") != "Isolated" or split.get("invert"):
        raise NotExpressible(f"its pre-tokenizer step {split.get('type')} is not a regex Split (Isolated)")
    return str(regex)


def _ranks(spec: dict[str, Any]) -> dict[bytes, int]:
    """Token bytes -> id (added tokens left out), after checking that tiktoken's merge order is the merge list's."""
    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        raise NotExpressible(f"its model is {model.get('type')}, not BPE")
    if model.get("dropout") or model.get("byte_fallback"):
        raise NotExpressible("its BPE has dropout or byte fallback")
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        raise NotExpressible("its BPE has a continuing-subword prefix or an end-of-word suffix")
    added = {t.get("id") for t in spec.get("added_tokens") or []}
    vocab: dict[str, int] = {t: i for t, i in (model.get("vocab") or {}).items() if i not in added}
    missing = [c for c in BYTE_LEVEL_DECODE if c not in vocab]
    if missing:
        raise NotExpressible(f"its vocabulary lacks {len(missing)} of the 256 byte-level characters")
    try:
        ranks = {bytes(BYTE_LEVEL_DECODE[c] for c in token): i for token, i in vocab.items()}
    except KeyError:
        raise NotExpressible("its vocabulary has entries outside the byte-level alphabet") from None
    if len(ranks) != len(vocab) or len(set(ranks.values())) != len(ranks):
        raise NotExpressible("two vocabulary entries share bytes or an id")
    last = -1
    for merge in model.get("merges") or []:
        left, _, right = merge.partition(" ") if isinstance(merge, str) else (merge[0], " ", merge[1])
        rank = vocab.get(left + right, -1)
        if left not in vocab or right not in vocab or rank < 0:
            raise NotExpressible(f"its merge {left!r} + {right!r} joins tokens outside the vocabulary")
        if rank < last:
            raise NotExpressible("the ids of its merged tokens do not follow the merge order")
        last = rank
    _check_tiktoken_stops_where_the_library_does(
        vocab, model.get("merges") or [], whole_word_lookup=bool(model.get("ignore_merges"))
    )
    return ranks


def _added(spec: dict[str, Any], nfc: bool) -> dict[str, int]:
    """The non-special added tokens, when tiktoken's special-token matching finds them as HF does."""
    added = {str(t.get("content")): int(t.get("id")) for t in spec.get("added_tokens") or [] if not t.get("special")}
    for t in spec.get("added_tokens") or []:
        if t.get("special"):
            continue
        content = str(t.get("content"))
        if t.get("single_word") or t.get("lstrip") or t.get("rstrip"):
            raise NotExpressible(f"its added token {content!r} has single_word/lstrip/rstrip")
        if t.get("normalized") and spec.get("normalizer") is not None:
            raise NotExpressible(f"its added token {content!r} is matched after normalisation")
        if nfc and (not unicodedata.is_normalized("NFC", content) or unicodedata.combining(content[:1] or "a")):
            raise NotExpressible(f"its added token {content!r} could change under NFC")
        if any(other != content and other.startswith(content) for other in added):
            raise NotExpressible(f"its added token {content!r} is a prefix of another")
    return added


def _check_tiktoken_stops_where_the_library_does(
    vocab: dict[str, int], merges: list[Any], *, whole_word_lookup: bool
) -> None:
    """Run the library's merges on each token's own bytes (no whole-word lookup) and check that
    tiktoken would stop there too.

    tiktoken joins any adjacent pair whose bytes are a token, the library only listed pairs; with
    ids in merge order they part only where tiktoken joins an unlisted pair (x, y). Both run the
    same merges inside the span of x + y, so the library alone on x + y stops at [x, y], a pair
    tiktoken would join: this finds every such token. A token the merges cannot build is reached
    by whole-word lookup only, which tiktoken always does, and the library only with `ignore_merges`.
    """
    from tokenizers import Tokenizer, models

    pairs = [(a, b) for a, _, b in (m.partition(" ") if isinstance(m, str) else (m[0], " ", m[1]) for m in merges)]
    bpe = Tokenizer(models.BPE(vocab=vocab, merges=pairs, ignore_merges=False))
    tokens = [t for t in vocab if len(t) > 1]
    for token, enc in zip(tokens, bpe.encode_batch_fast(tokens, add_special_tokens=False), strict=True):
        if len(enc.ids) == 1:
            continue
        parts = [str(bpe.id_to_token(i)) for i in enc.ids]
        if not whole_word_lookup:
            raise NotExpressible(f"its merges cannot build {token!r} (they stop at {' + '.join(parts)})")
        joinable = next((a + b for a, b in pairwise(parts) if a + b in vocab), None)
        if joinable is not None:
            raise NotExpressible(f"on {token!r} tiktoken would join {joinable!r}, which its merges never do")


def fast_plan(spec: dict[str, Any]) -> FastPlan:
    """The tiktoken form of a tokenizer.json, or NotExpressible naming the step that has none."""
    nfc = _normalizer(spec)
    pattern = _pattern(spec)
    return FastPlan(pattern, _ranks(spec), nfc, _added(spec, nfc))


class FastBPE:
    """A tiktoken `Encoding` that gives a tokenizer.json's ids (built from a `FastPlan`)."""

    def __init__(self, plan: FastPlan, *, name: str) -> None:
        import tiktoken

        try:
            self._enc = tiktoken.Encoding(
                name=f"tokkit-fast-{name}", pat_str=plan.pattern, mergeable_ranks=plan.ranks,
                special_tokens=plan.added,
            )  # fmt: skip
        except ValueError as e:  # fancy-regex cannot compile the pattern
            raise NotExpressible(f"tiktoken cannot compile its split regex ({e})") from None
        self.nfc = plan.nfc

    @property
    def encode(self) -> Callable[[str], list[int]]:
        """Ids of one line (NFC first when the tokenizer normalises)."""
        raw = self._enc.encode_ordinary
        if self._enc.special_tokens_set:
            enc, added = self._enc, self._enc.special_tokens_set
            raw = partial(enc.encode, allowed_special=added, disallowed_special=())
        if not self.nfc:
            return raw
        normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
        return lambda s: raw(s if is_normalized("NFC", s) else normalize("NFC", s))

    @property
    def encode_array(self) -> Callable[[str], np.ndarray]:
        """`encode` as a uint32 array (tiktoken's buffer: no Python int per id, for counting)."""
        added = self._enc.special_tokens_set
        raw = partial(self._enc.encode_to_numpy, allowed_special=added, disallowed_special=())
        if not self.nfc:
            return raw
        normalize, is_normalized = unicodedata.normalize, unicodedata.is_normalized
        return lambda s: raw(s if is_normalized("NFC", s) else normalize("NFC", s))

    def probe(self, reference: Callable[[list[str]], list[list[int]]]) -> str | None:
        """None when tiktoken and `reference` (the library) agree on every probe line, else the first that differs."""
        encode = self.encode
        got = [encode(s) for s in PROBE_LINES]
        want = reference(list(PROBE_LINES))
        for line, a, b in zip(PROBE_LINES, got, want, strict=True):
            if list(a) != list(b):
                return line
        return None
