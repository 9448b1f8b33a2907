"""Language identities: every spelling of a FLORES/BCP-47 code reads the same, scripts are kept,
clashes and ambiguous references are found, and per-language behaviour keys on the script."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokkit.languages import (
    LANGUAGES,
    Language,
    LanguageError,
    clashes,
    fold_case,
    is_unspaced,
    language_label,
    normalize_lang,
    pair_languages,
    resolve_reference,
)

FLORES_CODES = [
    line
    for line in (Path(__file__).parent / "data" / "flores200_codes.txt").read_text().splitlines()
    if line[:1] != "#"
]


@pytest.mark.parametrize(
    "spelling,tag",
    [
        ("eng", "eng"),
        ("en", "eng"),
        ("EN", "eng"),
        ("eng_Latn", "eng_Latn"),
        ("eng-latn", "eng_Latn"),
        ("zho_Hans", "zho_Hans"),
        ("zho-Hans", "zho_Hans"),
        ("zh-Hant", "zho_Hant"),
        ("zh_HANT", "zho_Hant"),
        ("zh-TW", "zho_TW"),
        ("zh-Hant-TW", "zho_Hant_TW"),
        ("pt-br", "por_BR"),
        ("es-419", "spa_419"),
        ("kas_Deva", "kas_Deva"),
        ("cmn", "cmn"),  # ISO 639-3 codes are kept, not folded into their macrolanguage
        ("swh_Latn", "swh_Latn"),
        ("eng-train", "eng"),  # after a known code, what is not a script or region is dropped
        ("prose", "prose"),  # not a language tag: kept as a label (as before)
        ("heldout-en", "heldout-en"),
        ("data_2024", "data-2024"),
        ("en_test", "eng"),  # "Test" is not an ISO 15924 script
        ("ace_Test", "ace-test"),  # ... and an unknown code with a tail is a label
    ],
)
def test_spellings_and_the_canonical_tag(spelling: str, tag: str) -> None:
    assert normalize_lang(spelling) == tag == Language.parse(spelling).tag


def test_parts_and_usual_script() -> None:
    zh = Language.parse("zh-Hant-TW")
    assert (zh.code, zh.script, zh.region) == ("zho", "Hant", "TW")
    assert Language.parse("zho").usual_script == "Hans"
    assert Language.parse("zh-TW").usual_script == "Hant"  # the region's usual script
    assert Language.parse("srp").usual_script == "Cyrl" and Language.parse("srp_Latn").usual_script == "Latn"
    assert Language.parse("arb").usual_script == "Arab"  # through its macrolanguage (ara)
    assert Language.parse("ace").usual_script is None  # two scripts in FLORES, no usual one known
    assert language_label("zho_Hant") == "Chinese (zho_Hant)" and language_label("eng") == "English (eng)"
    assert language_label("ace_Arab") == "ace_Arab"


@given(
    st.sampled_from(sorted(LANGUAGES)),
    st.sampled_from([None, "Latn", "Cyrl", "Hant", "Arab", "Deva"]),
    st.sampled_from([None, "TW", "BR", "419"]),
    st.sampled_from(["_", "-"]),
    st.booleans(),
)
def test_every_spelling_of_an_identity_reads_the_same(
    code: str, script: str | None, region: str | None, sep: str, upper: bool
) -> None:
    lg = Language(code, script, region)
    spelled = sep.join(x for x in (code, script, region) if x)
    spelled = spelled.upper() if upper else spelled.lower()
    assert Language.parse(spelled) == lg
    assert Language.parse(lg.tag) == lg and normalize_lang(lg.tag) == lg.tag  # the tag is a fixed point


def test_flores200_codes_are_204_distinct_identities() -> None:
    assert len(FLORES_CODES) == len(set(FLORES_CODES)) == 204
    assert all(normalize_lang(c) == c for c in FLORES_CODES)  # output keeps the file name's spelling
    assert clashes(FLORES_CODES) == []  # no two of them name the same text
    codes = [c.split("_")[0] for c in FLORES_CODES]
    two_scripts = sorted({c for c in codes if codes.count(c) == 2})
    assert two_scripts == ["ace", "arb", "bjn", "kas", "knc", "min", "taq", "zho"]


def test_which_identities_clash() -> None:
    assert clashes(["eng", "eng_Latn"]) == [("eng", "eng_Latn")]  # eng is read in its usual script
    assert clashes(["zho", "zho_Hans"]) == [("zho", "zho_Hans")]
    assert clashes(["zho", "zho_Hant"]) == []  # zho is Simplified: a different text
    assert clashes(["zho_Hans", "zho_Hant", "kas_Arab", "kas_Deva"]) == []
    assert clashes(["ace", "ace_Arab", "ace_Latn"]) == [("ace", "ace_Arab"), ("ace", "ace_Latn")]  # no usual script
    assert clashes(["por", "por_BR", "por_PT"]) == [("por", "por_BR"), ("por", "por_PT")]
    assert clashes(["swa", "swh"]) == []  # different codes are different languages


def test_reference_resolution() -> None:
    flores = ["eng_Latn", "deu_Latn", "zho_Hans", "zho_Hant"]
    assert resolve_reference("eng", flores) == "eng_Latn"
    assert resolve_reference("en", flores) == "eng_Latn"
    assert resolve_reference("eng_Latn", ["eng", "deu"]) == "eng"
    assert resolve_reference("zho_Hant", flores) == "zho_Hant"
    assert resolve_reference("zh-Hant", flores) == "zho_Hant"
    assert resolve_reference("fra", flores) is None
    assert resolve_reference("eng_Cyrl", ["eng", "deu"]) is None  # eng is Latin
    assert resolve_reference("zho", ["zho", "zho_Hant"]) == "zho"  # the exact spelling wins
    with pytest.raises(LanguageError, match="reference 'zho' matches several languages: zho_Hans, zho_Hant") as e:
        resolve_reference("zho", flores)
    assert e.value.hint == "name one of them, e.g. zho_Hans"


def test_pairing_two_corpora() -> None:
    assert pair_languages(["eng", "zho", "tur"], ["eng_Latn", "zho_Hans", "zho_Hant"]) == [
        ("eng", "eng_Latn"),
        ("zho", "zho_Hans"),
    ]
    assert pair_languages(["kas_Arab"], ["kas_Deva"]) == []
    with pytest.raises(LanguageError, match="ace matches several languages: ace_Arab, ace_Latn"):
        pair_languages(["ace"], ["ace_Arab", "ace_Latn"])


def test_spacing_keys_on_the_script() -> None:
    for lang in ("zho", "zho_Hans", "zho_Hant", "zh-TW", "yue_Hant", "jpn_Jpan", "tha", "khm_Khmr", "shn_Mymr"):
        assert is_unspaced(lang), lang
    for lang in ("zho_Latn", "kor_Hang", "eng", "srp_Cyrl", "sat_Olck", "kas_Deva", "prose"):
        assert not is_unspaced(lang), lang


def test_dotted_i_keys_on_language_and_script() -> None:
    assert fold_case("IĞDIR", "tur_Latn") == fold_case("IĞDIR", "tr") == "ığdır"
    assert fold_case("İSTANBUL", "azj_Latn") == "istanbul"
    assert fold_case("KITAP", "eng") == "kitap"
    assert fold_case("I", "aze_Cyrl") == "i"  # not the Latin alphabet


IDENTITIES = st.builds(
    Language,
    st.sampled_from(["eng", "zho", "ace", "srp", "kas"]),
    st.sampled_from([None, "Latn", "Hans", "Hant", "Arab", "Cyrl"]),
    st.sampled_from([None, "TW", "US"]),
)


@given(IDENTITIES, IDENTITIES)
def test_clash_is_symmetric_and_resolution_finds_every_file(a: Language, b: Language) -> None:
    assert a.same_text(a) and a.same_text(b) == b.same_text(a)
    assert resolve_reference(a.tag, [a.tag, b.tag]) == a.tag  # a file's own tag always names it
    if not a.same_text(b):  # two distinct files: each full tag resolves to itself only
        assert resolve_reference(b.tag, [a.tag, b.tag]) == b.tag
