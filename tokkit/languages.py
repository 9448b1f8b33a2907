"""Language codes and the few facts about writing systems that the metrics need."""

from __future__ import annotations

# ISO 639-3 code -> (English name, main script). Covers the shipped corpora and common targets.
LANGUAGES: dict[str, tuple[str, str]] = {
    "ara": ("Arabic", "Arab"),
    "ben": ("Bengali", "Beng"),
    "bod": ("Tibetan", "Tibt"),
    "ces": ("Czech", "Latn"),
    "dan": ("Danish", "Latn"),
    "deu": ("German", "Latn"),
    "ell": ("Greek", "Grek"),
    "eng": ("English", "Latn"),
    "est": ("Estonian", "Latn"),
    "eus": ("Basque", "Latn"),
    "fas": ("Persian", "Arab"),
    "fin": ("Finnish", "Latn"),
    "fra": ("French", "Latn"),
    "heb": ("Hebrew", "Hebr"),
    "hin": ("Hindi", "Deva"),
    "hun": ("Hungarian", "Latn"),
    "hye": ("Armenian", "Armn"),
    "ind": ("Indonesian", "Latn"),
    "ita": ("Italian", "Latn"),
    "jpn": ("Japanese", "Jpan"),
    "kat": ("Georgian", "Geor"),
    "khm": ("Khmer", "Khmr"),
    "kor": ("Korean", "Hang"),
    "lao": ("Lao", "Laoo"),
    "mya": ("Burmese", "Mymr"),
    "nld": ("Dutch", "Latn"),
    "pol": ("Polish", "Latn"),
    "por": ("Portuguese", "Latn"),
    "ron": ("Romanian", "Latn"),
    "rus": ("Russian", "Cyrl"),
    "spa": ("Spanish", "Latn"),
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

# ISO 639-1 two-letter codes users often type, mapped to ISO 639-3.
ALIASES: dict[str, str] = {
    "ar": "ara",
    "bn": "ben",
    "bo": "bod",
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
    "he": "heb",
    "hi": "hin",
    "hu": "hun",
    "hy": "hye",
    "id": "ind",
    "it": "ita",
    "ja": "jpn",
    "ka": "kat",
    "km": "khm",
    "ko": "kor",
    "lo": "lao",
    "my": "mya",
    "nl": "nld",
    "pl": "pol",
    "pt": "por",
    "ro": "ron",
    "ru": "rus",
    "es": "spa",
    "sw": "swa",
    "swh": "swa",
    "sv": "swe",
    "ta": "tam",
    "th": "tha",
    "tr": "tur",
    "uk": "ukr",
    "ur": "urd",
    "vi": "vie",
    "zh": "zho",
    "cmn": "zho",
}

# Languages written without spaces between words: "words" are counted per character there.
UNSPACED: frozenset[str] = frozenset({"bod", "jpn", "khm", "lao", "mya", "tha", "yue", "zho"})


def normalize_lang(code: str) -> str:
    """Lower-case a language code and map ISO 639-1 aliases to ISO 639-3 (unknown codes pass through)."""
    code = code.strip().lower().replace("_", "-")
    base = code.split("-")[0]
    return ALIASES.get(base, base) if base in ALIASES or base in LANGUAGES else code


def is_unspaced(lang: str) -> bool:
    """True for languages whose words are not separated by spaces."""
    return normalize_lang(lang) in UNSPACED


def fold_case(text: str, lang: str) -> str:
    """Lower-case with Turkish/Azerbaijani dotted and dotless i (İ → i, I → ı)."""
    if normalize_lang(lang) in {"tur", "aze"}:
        text = text.replace("İ", "i").replace("I", "ı")
    return text.lower()
