"""A FLORES-200 directory evaluates as it is: one row per language identity, scripts kept.

The folders are built from the shipped corpora: Simplified Chinese (`zho.txt`) and its Traditional
copy (`corpora/scripts/zho_Hant.txt`), and Russian in Cyrillic and in its ISO 9 romanisation (a
language in two scripts, like FLORES's kas_Arab/kas_Deva). The 204-file folder uses the real
FLORES-200 file names (`<code>.devtest`, as in the release's devtest/ directory).
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.languages import UNSPACED_SCRIPTS

runner = CliRunner()
FLORES_CODES = [
    line
    for line in (Path(__file__).parent / "data" / "flores200_codes.txt").read_text().splitlines()
    if line[:1] != "#"
]
# ISO 9:1995, Russian letters: one Latin letter for each Cyrillic one, so it reverses exactly.
ISO9 = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "abvgdeëžzijklmnoprstufhcčšŝʺyʹèûâ", strict=True))
ISO9 |= {c.upper(): r.upper() for c, r in ISO9.items() if c.upper() != c}


def _iso9(text: str) -> str:
    return "".join(ISO9.get(ch, ch) for ch in text)


def _lines(corpora: Path, name: str, n: int) -> list[str]:
    path = corpora / "scripts" / f"{name}.txt" if name == "zho_Hant" else corpora / "parallel" / f"{name}.txt"
    return path.read_text(encoding="utf-8").splitlines()[:n]


def _flores_like(root: Path, corpora: Path, n: int = 30) -> Path:
    """`root/flores/<code>.txt` for a handful of FLORES-200 codes, line-aligned."""
    d = root / "flores"
    d.mkdir(parents=True)
    texts = {
        "eng_Latn": _lines(corpora, "eng", n),
        "deu_Latn": _lines(corpora, "deu", n),
        "zho_Hans": _lines(corpora, "zho", n),
        "zho_Hant": _lines(corpora, "zho_Hant", n),
        "rus_Cyrl": _lines(corpora, "rus", n),
        "rus_Latn": [_iso9(line) for line in _lines(corpora, "rus", n)],
        "tha_Thai": _lines(corpora, "tha", n),
    }
    for code, lines in texts.items():
        (d / f"{code}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _records(args: list[str]) -> list[dict[str, Any]]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def _fails(args: list[str], message: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error and its hint
    return result.stderr


def test_the_traditional_copy_is_the_simplified_text_character_for_character(corpora: Path) -> None:
    from tokkit.io.oracles import _simplified_chinese

    hans = _lines(corpora, "zho", 1000)
    hant = _lines(corpora, "zho_Hant", 1000)
    text = (corpora / "scripts" / "zho_Hant.txt").read_text(encoding="utf-8")
    assert len(hant) == len(hans) == 200 and unicodedata.is_normalized("NFC", text)
    table = _simplified_chinese()  # wordfreq's Traditional -> Simplified table, independent of OpenCC
    changed = 0
    for s_line, t_line in zip(hans, hant, strict=True):
        assert len(s_line) == len(t_line)
        for s, t in zip(s_line, t_line, strict=True):
            # wordfreq keeps 著 (also a Simplified character); here it is the Traditional form of 着
            assert t.translate(table) == s or (s, t) == ("着", "著"), (s, t, t_line)
            changed += s != t
    assert changed > 1000  # it really is in Traditional characters


def test_a_flores_folder_gives_one_row_per_identity(tmp_path: Path, corpora: Path) -> None:
    d = _flores_like(tmp_path, corpora)
    out = tmp_path / "eval.csv"
    records = _records(["evaluate", "cl100k_base", "--corpus", str(d), "-o", str(out)])
    by = {r["lang"]: r for r in records}
    assert sorted(by) == ["deu_Latn", "eng_Latn", "rus_Cyrl", "rus_Latn", "tha_Thai", "zho_Hans", "zho_Hant"]
    assert by["eng_Latn"]["token_premium"] == 1.0  # the default reference `eng` found eng_Latn
    hans, hant = by["zho_Hans"], by["zho_Hant"]
    assert hans["n_chars"] == hant["n_chars"] and hans["n_tokens"] < hant["n_tokens"]  # same text, other script
    assert hans["word_unit"] == hant["word_unit"] == by["tha_Thai"]["word_unit"] == "character"
    assert by["rus_Latn"]["word_unit"] == "whitespace" and by["rus_Latn"]["n_tokens"] != by["rus_Cyrl"]["n_tokens"]
    import pandas as pd

    assert sorted(pd.read_csv(out).lang) == sorted(by)  # the CSV keeps the scripts too
    meta = json.loads((tmp_path / "eval.csv.meta.json").read_text())
    assert meta["params"]["reference"] == "eng_Latn"
    # the reference resolves whichever way it is spelled
    for spelling in ("eng_Latn", "eng", "en", "eng-Latn"):
        again = _records(["evaluate", "cl100k_base", "--corpus", str(d), "--reference", spelling])
        assert {r["lang"]: r["token_premium"] for r in again} == {k: r["token_premium"] for k, r in by.items()}
    hant_ref = _records(["evaluate", "cl100k_base", "--corpus", str(d), "--reference", "zh-Hant"])
    assert {r["lang"]: r["token_premium"] for r in hant_ref}["zho_Hant"] == 1.0


def test_ambiguity_is_one_line_and_exit_2(tmp_path: Path, corpora: Path) -> None:
    d = _flores_like(tmp_path, corpora, n=5)
    args = ["evaluate", "cl100k_base", "--corpus", str(d)]
    _fails([*args, "--reference", "zho"], "reference 'zho' matches several languages: zho_Hans, zho_Hant")
    _fails([*args, "--reference", "rus"], "matches several languages: rus_Cyrl, rus_Latn")
    _fails([*args, "--reference", "fra"], "reference language 'fra' is not in corpus flores")
    (d / "zho.txt").write_text("你好\n" * 5, encoding="utf-8")  # zho is read as Simplified: the same as zho_Hans
    _fails(args, "several files for language zho and zho_Hans: zho.txt, zho_Hans.txt")
    (d / "zho.txt").unlink()
    (d / "eng.txt").write_text("hello\n" * 5, encoding="utf-8")
    _fails(args, "several files for language eng and eng_Latn: eng.txt, eng_Latn.txt")
    (d / "eng.txt").unlink()
    (d / "en-Latn.txt").write_text("hello\n" * 5, encoding="utf-8")
    _fails(args, "several files for language eng_Latn: en-Latn.txt, eng_Latn.txt")


def test_all_204_flores200_files_evaluate_as_they_are(tmp_path: Path, corpora: Path) -> None:
    """A folder laid out like FLORES-200's devtest/: 204 files `<code>.devtest`. Each holds three
    shipped lines in its own script where tokkit ships text in that script, else English: the
    folder proves the layout runs as is; the numbers are not FLORES's."""
    by_script = {"Arab": "ara", "Cyrl": "rus", "Deva": "hin", "Grek": "ell", "Hebr": "heb", "Hans": "zho",
                 "Hant": "zho_Hant", "Jpan": "jpn", "Hang": "kor", "Thai": "tha"}  # fmt: skip
    latin = ["eng", "deu", "fin", "fra", "hun", "ind", "ita", "pol", "por", "spa", "swa", "tur", "vie"]
    d = tmp_path / "flores200_dataset" / "devtest"
    d.mkdir(parents=True)
    for i, code in enumerate(FLORES_CODES):
        script = code.split("_")[1]
        source = "eng" if code == "eng_Latn" else by_script.get(script, latin[i % len(latin)])
        (d / f"{code}.devtest").write_text("\n".join(_lines(corpora, source, 3)) + "\n", encoding="utf-8")
    records = _records(["evaluate", "cl100k_base", "--corpus", str(d)])
    assert [r["lang"] for r in records] == sorted(FLORES_CODES)
    unspaced = {r["lang"] for r in records if r["word_unit"] == "character"}
    assert unspaced == {c for c in FLORES_CODES if c.split("_")[1] in UNSPACED_SCRIPTS}
    assert unspaced == {"bod_Tibt", "dzo_Tibt", "jpn_Jpan", "khm_Khmr", "lao_Laoo", "mya_Mymr", "shn_Mymr",
                        "tha_Thai", "yue_Hant", "zho_Hans", "zho_Hant"}  # fmt: skip
    premiums = {r["lang"]: r["token_premium"] for r in records}
    assert premiums["eng_Latn"] == 1.0 and all(math.isfinite(v) for v in premiums.values())
    assert premiums["zho_Hant"] > premiums["zho_Hans"]


def test_oracles_follow_the_script() -> None:
    import pytest

    from tokkit.errors import InputError
    from tokkit.io.oracles import load_oracle, script_converter, word_list

    assert word_list("zho_Hant") == word_list("zho") and word_list("srp_Cyrl") == word_list("hrv")  # one list each
    assert script_converter("zho_Hans", "Hans") is None and script_converter("srp_Latn", "Latn") is None
    how, convert = script_converter("zho_Hant", "Hans") or ("", str)
    assert how == "Hant->Hans" and convert("我們說話") == "我们说话"
    how, convert = script_converter("srp_Cyrl", "Latn") or ("", str)
    assert how == "Cyrl->Latn" and convert("љубав и њега") == "ljubav i njega"
    with pytest.raises(InputError, match=r"no %TR/%Pure oracle for arb_Latn: .* Arab script, the text in Latn"):
        script_converter("arb_Latn", "Arab")  # romanised Arabic against the Arabic-script list
    hant, hans = load_oracle("zho_Hant", morfessor_words=300), load_oracle("zho_Hans", morfessor_words=300)
    assert hant.name == "wordfreq+morfessor (Hant->Hans)" and hans.name == "wordfreq+morfessor"
    assert hant.is_valid("我們") and hans.is_valid("我们") and not hans.is_valid("我們")
    cyrl, latn = load_oracle("srp_Cyrl", morfessor_words=300), load_oracle("srp_Latn", morfessor_words=300)
    assert cyrl.is_valid("је") and latn.is_valid("je") and not latn.is_valid("је")
    with pytest.raises(InputError, match="no %TR/%Pure oracle for ace_Arab"):
        load_oracle("ace_Arab")


def test_word_lists_refuse_another_script() -> None:
    import pytest

    from tokkit.errors import InputError
    from tokkit.io.wordlists import top_words

    assert top_words("zho_Hans", 5) == top_words("zh", 5)
    with pytest.raises(InputError, match="word list for 'zho_Hant' is in Hans script, not Hant"):
        top_words("zho_Hant", 5)


def test_suites_pair_training_and_evaluation_languages(tmp_path: Path, corpora: Path) -> None:
    import pandas as pd

    flores = _flores_like(tmp_path, corpora, n=40)
    train = tmp_path / "train"
    train.mkdir()
    for lang in ("eng", "zho"):  # short names train for eng_Latn and zho_Hans (zho is Simplified)
        (train / f"{lang}.txt").write_text((corpora / "parallel" / f"{lang}.txt").read_text("utf-8"), "utf-8")
    out = tmp_path / "suite"
    args = ["train", "--per-language", str(train), "--eval-corpus", str(flores), "--vocab-sizes", "300"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "ctc.csv")
    assert sorted(table.lang) == ["eng", "zho"]
    zho = table[table.lang == "zho"].set_index("vocab_size")
    records = _records(["evaluate", str(out / zho.loc[300, "path"]), "--corpus", str(flores / "zho_Hans.txt")])
    assert records[0]["n_tokens"] == zho.loc[300, "n_tokens"]  # measured on zho_Hans, not zho_Hant
    (train / "ace.txt").write_text("a\n")
    (flores / "ace_Arab.txt").write_text("\n".join(["ب"] * 40) + "\n", encoding="utf-8")
    (flores / "ace_Latn.txt").write_text("\n".join(["b"] * 40) + "\n", encoding="utf-8")
    _fails([*args, "-o", str(tmp_path / "s2")], "ace matches several languages: ace_Arab, ace_Latn")
    assert not (tmp_path / "s2").exists()


def test_report_resolves_its_languages_before_training(tmp_path: Path, corpora: Path) -> None:
    import pandas as pd

    flores = _flores_like(tmp_path, corpora, n=20)
    config = tmp_path / "report.toml"
    body = f'[report]\ncorpus = "{flores}"\nreference = "en"\n\n[evaluate]\ntokenizers = ["cl100k_base"]\n'
    config.write_text(body)
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", "--config", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "evaluate.csv").set_index("lang")
    assert table.loc["eng_Latn", "token_premium"] == 1.0 and "zho_Hant" in table.index
    assert (out / "premiums.png").read_bytes()[:4] == b"\x89PNG"
    config.write_text(body + f'\n[[train]]\nname = "x"\ncorpus = ["{corpora / "en"}"]\n')
    config.write_text(config.read_text().replace('reference = "en"', 'reference = "en"\nlinguistic_lang = "zho"'))
    _fails(
        ["report", "--config", str(config), "-o", str(tmp_path / "r2")],
        "[report]: linguistic_lang 'zho' matches several",
    )
    assert not (tmp_path / "r2").exists()


def test_a_language_column_follows_the_same_rule(tmp_path: Path) -> None:
    rows = [{"text": "你好世界", "lang": "zh-Hans"}, {"text": "你好世界", "lang": "zh-Hant"}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert [r["lang"] for r in _records(["evaluate", "cl100k_base", "-c", str(path)])] == ["zho_Hans", "zho_Hant"]
    rows.append({"text": "你好", "lang": "zho"})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    _fails(["evaluate", "cl100k_base", "-c", str(path)], "has text for language zho and for zho_Hans")
