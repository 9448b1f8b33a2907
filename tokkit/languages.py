"""Language identities and the few facts about writing systems that the metrics need.

A language identity is what a corpus file name (or a `--lang`/`--reference` value) says: an ISO 639
language code, and optionally an ISO 15924 script and a region, e.g. `zho_Hant`, `zh-Hant`, `kas_Deva`,
`pt-BR`, `eng`. `Language.parse` reads every usual spelling; `Language.tag` is the one canonical
spelling tokkit writes: the ISO 639-3 code, then `_Script` and `_REGION` where they were given
(`zh-Hant` -> `zho_Hant`, `en` -> `eng`, `eng_Latn` -> `eng_Latn`, `pt-br` -> `por_BR`).

Pure: no I/O and no tokkit imports; callers turn `LanguageError` into their own error type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# ISO 639-3 code -> (English name, usual script, ISO 15924). Covers the shipped corpora, the wordfreq
# languages and common targets; a code without a script is read in this script.
LANGUAGES: dict[str, tuple[str, str]] = {
    "ara": ("Arabic", "Arab"),
    "ben": ("Bengali", "Beng"),
    "bod": ("Tibetan", "Tibt"),
    "bos": ("Bosnian", "Latn"),
    "bul": ("Bulgarian", "Cyrl"),
    "cat": ("Catalan", "Latn"),
    "ces": ("Czech", "Latn"),
    "dan": ("Danish", "Latn"),
    "deu": ("German", "Latn"),
    "ell": ("Greek", "Grek"),
    "eng": ("English", "Latn"),
    "est": ("Estonian", "Latn"),
    "eus": ("Basque", "Latn"),
    "fas": ("Persian", "Arab"),
    "fil": ("Filipino", "Latn"),
    "fin": ("Finnish", "Latn"),
    "fra": ("French", "Latn"),
    "hbs": ("Serbo-Croatian", "Latn"),
    "heb": ("Hebrew", "Hebr"),
    "hin": ("Hindi", "Deva"),
    "hrv": ("Croatian", "Latn"),
    "hun": ("Hungarian", "Latn"),
    "hye": ("Armenian", "Armn"),
    "ind": ("Indonesian", "Latn"),
    "isl": ("Icelandic", "Latn"),
    "ita": ("Italian", "Latn"),
    "jpn": ("Japanese", "Jpan"),
    "kat": ("Georgian", "Geor"),
    "khm": ("Khmer", "Khmr"),
    "kor": ("Korean", "Hang"),
    "lao": ("Lao", "Laoo"),
    "lav": ("Latvian", "Latn"),
    "lit": ("Lithuanian", "Latn"),
    "mkd": ("Macedonian", "Cyrl"),
    "msa": ("Malay", "Latn"),
    "mya": ("Burmese", "Mymr"),
    "nld": ("Dutch", "Latn"),
    "nob": ("Norwegian Bokmål", "Latn"),
    "pol": ("Polish", "Latn"),
    "por": ("Portuguese", "Latn"),
    "ron": ("Romanian", "Latn"),
    "rus": ("Russian", "Cyrl"),
    "slk": ("Slovak", "Latn"),
    "slv": ("Slovenian", "Latn"),
    "spa": ("Spanish", "Latn"),
    "srp": ("Serbian", "Cyrl"),
    "swa": ("Swahili", "Latn"),
    "swe": ("Swedish", "Latn"),
    "tam": ("Tamil", "Taml"),
    "tha": ("Thai", "Thai"),
    "tur": ("Turkish", "Latn"),
    "ukr": ("Ukrainian", "Cyrl"),
    "urd": ("Urdu", "Arab"),
    "vie": ("Vietnamese", "Latn"),
    "yue": ("Cantonese", "Hant"),
    "zho": ("Chinese", "Hans"),
}

# ISO 639-1 two-letter codes (and wordfreq's `fil`), spelled as their ISO 639-3 code.
ALIASES: dict[str, str] = {
    "ar": "ara",
    "bn": "ben",
    "bo": "bod",
    "bs": "bos",
    "bg": "bul",
    "ca": "cat",
    "cs": "ces",
    "da": "dan",
    "de": "deu",
    "el": "ell",
    "en": "eng",
    "et": "est",
    "eu": "eus",
    "fa": "fas",
    "fi": "fin",
    "fr": "fra",
    "sh": "hbs",
    "he": "heb",
    "hi": "hin",
    "hr": "hrv",
    "hu": "hun",
    "hy": "hye",
    "id": "ind",
    "is": "isl",
    "it": "ita",
    "ja": "jpn",
    "ka": "kat",
    "km": "khm",
    "ko": "kor",
    "lo": "lao",
    "lv": "lav",
    "lt": "lit",
    "mk": "mkd",
    "ms": "msa",
    "my": "mya",
    "nl": "nld",
    "nb": "nob",
    "pl": "pol",
    "pt": "por",
    "ro": "ron",
    "ru": "rus",
    "sk": "slk",
    "sl": "slv",
    "es": "spa",
    "sr": "srp",
    "sw": "swa",
    "sv": "swe",
    "ta": "tam",
    "th": "tha",
    "tr": "tur",
    "uk": "ukr",
    "ur": "urd",
    "vi": "vie",
    "zh": "zho",
}

# ISO 639-3 individual languages whose facts (name, script, word list) are those of their macrolanguage.
MACROLANGUAGES: dict[str, str] = {
    "arb": "ara",
    "bos": "hbs",
    "cmn": "zho",
    "ekk": "est",
    "hrv": "hbs",
    "lvs": "lav",
    "pes": "fas",
    "srp": "hbs",
    "swh": "swa",
    "zsm": "msa",
}

# Usual script of a language in a region, where it is not the language's usual script.
REGION_SCRIPTS: dict[tuple[str, str], str] = {("zho", "TW"): "Hant", ("zho", "HK"): "Hant", ("zho", "MO"): "Hant"}

# Scripts written without spaces between words: "words" are counted per character there.
UNSPACED_SCRIPTS: frozenset[str] = frozenset({"Hans", "Hant", "Hani", "Jpan", "Khmr", "Laoo", "Mymr", "Thai", "Tibt"})
# Languages written without spaces (used when a code's script is not known).
UNSPACED: frozenset[str] = frozenset({"bod", "jpn", "khm", "lao", "mya", "tha", "yue", "zho"})
# Languages whose Latin alphabet has dotted and dotless i (İ/i, I/ı).
DOTTED_I: frozenset[str] = frozenset({"aze", "azj", "crh", "gag", "tur"})

# ISO 15924 script codes (those in Unicode, and the special Zxxx/Zyyy/Zzzz/Qaaa): a 4-letter part
# of a name is a script only if it is one of these (`en_test` is English, not script "Test").
_SCRIPT_CODES = """Adlm Aghb Ahom Arab Aran Armi Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cakm
    Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Cyrs Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Geok Geor
    Glag Gong Gonm Goth Gran Grek Gujr Guru Hanb Hang Hani Hano Hans Hant Hatr Hebr Hira Hluw Hmng Hmnp Hrkt
    Hung Ital Jamo Java Jpan Kali Kana Kawi Khar Khmr Khoj Kits Knda Kore Kthi Lana Laoo Latf Latg Latn Lepc
    Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult
    Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp
    Phnx Plrd Prti Qaaa Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sind Sinh Sogd Sogo Sora Soyo Sund
    Sylo Syrc Syre Syrj Syrn Tagb Takr Tale Talu Taml Tang Tavt Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Toto
    Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb Zinh Zmth Zsye Zsym Zxxx Zyyy Zzzz"""
SCRIPTS: frozenset[str] = frozenset(_SCRIPT_CODES.split())

_TAG = re.compile(r"([a-z]{2,3})(?:[-_]([a-z]{4}))?(?:[-_]([a-z]{2}|[0-9]{3}))?((?:[-_].*)?)", re.IGNORECASE)


class LanguageError(ValueError):
    """A language value that cannot be resolved (ambiguous); `hint` says what to do, `candidates`
    are the languages it could mean."""

    def __init__(self, message: str, hint: str | None = None, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.hint = hint
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class Language:
    """A language identity: ISO 639 code (639-3 where known), optional ISO 15924 script and region.

    Equality is exact (same code, script and region as written); `same_text` is the looser
    question "could these two name the same text" that decides clashes.
    """

    code: str
    script: str | None = None  # title case, e.g. "Hant"
    region: str | None = None  # upper case ISO 3166-1 alpha-2, or UN M.49 digits

    @classmethod
    def parse(cls, text: str) -> Language:
        """Read `zho_Hans`, `zho-Hans`, `zh-Hant`, `zh-TW`, `zho_Hant_TW`, `eng`, `en`, `EN` ...

        ISO 639-1 codes become ISO 639-3 (`zh` -> `zho`); ISO 639-3 codes stay as written
        (`cmn`, `swh` and `arb` are not rewritten to their macrolanguage). A name that is not a
        language tag (`prose`, `heldout-en`) is kept as a label, lower-cased with `-` for `_`;
        after a known code, anything that is not a script or region is dropped (`eng-train` -> `eng`).
        """
        raw = text.strip()
        m = _TAG.fullmatch(raw)
        if m is None:
            return cls(raw.lower().replace("_", "-"))
        code, script, region, tail = m.groups()
        if script and script.title() not in SCRIPTS:  # not a script: part of the tail
            tail = raw[len(code) :]
            script = region = None
            if (r := re.match(r"[-_]([a-z]{2}|[0-9]{3})(?=[-_]|$)", tail, re.IGNORECASE)) is not None:
                region, tail = r.group(1), tail[r.end() :]
        code = code.lower()
        code = ALIASES.get(code, code)
        if tail and code not in LANGUAGES and code not in MACROLANGUAGES:
            return cls(raw.lower().replace("_", "-"))
        return cls(code, script.title() if script else None, region.upper() if region else None)

    @property
    def tag(self) -> str:
        """The canonical spelling: `code`, then `_Script` and `_REGION` when given."""
        return "_".join(x for x in (self.code, self.script, self.region) if x)

    def __str__(self) -> str:
        return self.tag

    @property
    def base(self) -> str:
        """The code whose facts apply: the code itself when tokkit knows it, else its macrolanguage."""
        return self.code if self.code in LANGUAGES else MACROLANGUAGES.get(self.code, self.code)

    @property
    def name(self) -> str | None:
        """English name with the script when given (`Chinese (Hant)`), or None for unknown codes."""
        known = LANGUAGES.get(self.base)
        if known is None:
            return None
        return f"{known[0]} ({self.script})" if self.script else known[0]

    @property
    def usual_script(self) -> str | None:
        """The script given, else the usual one of the code (in its region), else None (unknown)."""
        if self.script:
            return self.script
        if self.region and (self.base, self.region) in REGION_SCRIPTS:
            return REGION_SCRIPTS[(self.base, self.region)]
        known = LANGUAGES.get(self.base)
        return known[1] if known else None

    def same_text(self, other: Language) -> bool:
        """True when the two identities do not contradict each other: same code, and the scripts
        (given or usual) and regions are equal where both are known. `eng` and `eng_Latn` are the
        same text; `zho` (usual script Hans) and `zho_Hant` are not; `ace` and `ace_Arab` are."""
        if self.code != other.code:
            return False
        a, b = self.usual_script, other.usual_script
        if a and b and a != b:
            return False
        return not (self.region and other.region and self.region != other.region)

    def covers(self, other: Language) -> bool:
        """A reference `self` names language `other`: same code, and the script and region, where
        `self` gives them, agree (a reference without a script covers every script)."""
        if self.code != other.code:
            return False
        if self.script and other.usual_script not in (None, self.script):
            return False
        return not (self.region and other.region != self.region)


def normalize_lang(code: str) -> str:
    """The canonical spelling of a language value (`Language.parse(code).tag`)."""
    return Language.parse(code).tag


def language_label(lang: str) -> str:
    """`Chinese (zho_Hant)` for known codes, else the tag itself (for tables and plots)."""
    lg = Language.parse(lang)
    known = LANGUAGES.get(lg.base)
    return f"{known[0]} ({lg.tag})" if known else lg.tag


def is_unspaced(lang: str) -> bool:
    """True for languages whose words are not separated by spaces (decided by the script where
    one is known: `zho_Hant` and `jpn` are unspaced, `zho_Latn` (pinyin) and `kor` are not)."""
    lg = Language.parse(lang)
    script = lg.usual_script
    return script in UNSPACED_SCRIPTS if script else lg.base in UNSPACED


def fold_case(text: str, lang: str) -> str:
    """Lower-case, with dotted and dotless i (İ -> i, I -> ı) for Turkish, Azerbaijani, Crimean
    Tatar and Gagauz in Latin script."""
    lg = Language.parse(lang)
    if lg.base in DOTTED_I and lg.usual_script in (None, "Latn"):
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()


def clashes(langs: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct values that could name the same text (`Language.same_text`), in order."""
    parsed = [(x, Language.parse(x)) for x in langs]
    return [(a, b) for i, (a, la) in enumerate(parsed) for b, lb in parsed[i + 1 :] if la.same_text(lb)]


def resolve_reference(reference: str, langs: Iterable[str], *, what: str = "reference") -> str | None:
    """The one language of `langs` that `reference` names, or None when none does.

    A value spelled exactly like the reference (after canonicalisation) wins; otherwise every
    language the reference covers (`Language.covers`) is a candidate: `eng` finds `eng_Latn`,
    `eng_Latn` finds `eng`. Several candidates (`zho` among `zho_Hans`, `zho_Hant`) raise
    LanguageError.
    """
    ref = Language.parse(reference)
    pool = sorted(set(langs))
    if ref.tag in pool:
        return ref.tag
    found = [x for x in pool if ref.covers(Language.parse(x))]
    if len(found) > 1:
        raise LanguageError(
            f"{what} {reference!r} matches several languages: {', '.join(found)}",
            hint=f"name one of them, e.g. {found[0]}",
            candidates=tuple(found),
        )
    return found[0] if found else None


def pair_languages(left: Iterable[str], right: Iterable[str]) -> list[tuple[str, str]]:
    """(left, right) pairs of values naming the same text, sorted; a value matching several on the
    other side raises LanguageError."""
    lefts, rights = sorted(set(left)), sorted(set(right))
    pairs = []
    for a in lefts:
        la = Language.parse(a)
        found = [b for b in rights if b == a] or [b for b in rights if la.same_text(Language.parse(b))]
        if len(found) > 1:
            raise LanguageError(f"{a} matches several languages: {', '.join(found)}", hint="name the files alike")
        if found:
            pairs.append((a, found[0]))
    taken = [b for _, b in pairs]
    if len(set(taken)) < len(taken):
        dup = next(b for b in taken if taken.count(b) > 1)
        raise LanguageError(
            f"{dup} matches several languages: {', '.join(a for a, b in pairs if b == dup)}",
            hint="name the files alike",
        )
    return pairs
