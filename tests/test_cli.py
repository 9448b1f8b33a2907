"""The CLI: JSON records are an API, errors are one line with exit 2, outputs are never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import wordlevel_json
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.tables import EVALUATE_COLUMNS

runner = CliRunner()
API_KEYS = [
    "tokenizer", "corpus", "lang", "n_lines", "n_bytes", "n_chars", "n_words", "n_tokens", "bytes_per_token",
    "chars_per_token", "fertility", "split_word_share", "unk_share", "vocab_used", "renyi_efficiency",
    "token_premium", "mb_per_s",
]  # fmt: skip


def _small_parallel(tmp_path: Path, corpora: Path, langs: tuple[str, ...] = ("eng", "tur", "zho")) -> Path:
    d = tmp_path / "par"
    d.mkdir()
    for lang in langs:
        lines = (corpora / "parallel" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:40]
        (d / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _ok(args: list[str]):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def _fails(args: list[str], message: str, code: int = 2):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output
    return result


def test_json_records_have_the_api_keys(tmp_path: Path, corpora: Path) -> None:
    d = _small_parallel(tmp_path, corpora)
    result = _ok(["evaluate", "cl100k_base", "tekken", "--corpus", str(d), "--format", "json"])
    records = json.loads(result.stdout)
    assert len(records) == 6
    assert list(records[0])[: len(API_KEYS)] == API_KEYS
    assert list(records[0]) == EVALUATE_COLUMNS
    by = {(r["tokenizer"], r["lang"]): r for r in records}
    assert by[("cl100k_base", "eng")]["token_premium"] == 1.0
    assert by[("cl100k_base", "tur")]["token_premium"] > 1.2
    assert by[("tekken", "zho")]["word_unit"] == "character"
    assert "written without spaces" in result.stderr


def test_csv_and_markdown(tmp_path: Path, corpora: Path) -> None:
    d = _small_parallel(tmp_path, corpora, ("eng", "deu"))
    csv = _ok(["evaluate", "cl100k_base", "-c", str(d), "-f", "csv"]).stdout
    assert csv.splitlines()[0].split(",") == EVALUATE_COLUMNS and len(csv.splitlines()) == 3
    md = _ok(["evaluate", "cl100k_base", "-c", str(d), "-f", "markdown"]).stdout
    assert md.startswith("| tokenizer") and "| deu " in md


def test_output_plot_and_sidecar(tmp_path: Path, corpora: Path) -> None:
    d = _small_parallel(tmp_path, corpora)
    out, png = tmp_path / "res" / "premiums.csv", tmp_path / "res" / "premiums.png"
    _ok(["evaluate", "cl100k_base", "mistral-v1", "-c", str(d), "-o", str(out), "--plot", str(png)])
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.columns) == EVALUATE_COLUMNS and len(table) == 6
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    meta = json.loads((tmp_path / "res" / "premiums.csv.meta.json").read_text())
    assert meta["params"]["reference"] == "eng" and meta["tokkit_version"]
    assert isinstance(meta["command"], list) and meta["command"]
    assert any(k.endswith("eng.txt") for k in meta["inputs"]) and any(k.endswith(".tiktoken") for k in meta["inputs"])
    # an existing output is never replaced without --force, and nothing else is written
    before = out.read_bytes()
    _fails(["evaluate", "cl100k_base", "-c", str(d), "-o", str(out)], "already exists")
    assert out.read_bytes() == before
    _ok(["evaluate", "tekken", "-c", str(d), "-o", str(out), "--plot", str(png), "--force"])
    assert pd.read_csv(out).tokenizer.unique().tolist() == ["tekken"]
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_single_file_and_jsonl(tmp_path: Path, corpora: Path) -> None:
    records = json.loads(
        _ok(["evaluate", "cl100k_base", "-c", str(corpora / "tr" / "news.txt"), "--lang", "tr", "-f", "json"]).stdout
    )
    assert [r["lang"] for r in records] == ["tur"] and records[0]["token_premium"] is None
    p = tmp_path / "c.jsonl"
    p.write_text('{"text": "hello world", "lang": "en"}\n{"text": "merhaba dünya", "lang": "tr"}\n', encoding="utf-8")
    records = json.loads(_ok(["evaluate", "cl100k_base", "-c", str(p), "-f", "json"]).stdout)
    assert {r["lang"]: r["n_words"] for r in records} == {"eng": 2, "tur": 2}


def test_alpha_one_is_shannon(tmp_path: Path, corpora: Path) -> None:
    d = _small_parallel(tmp_path, corpora, ("eng", "deu"))
    a1 = json.loads(_ok(["evaluate", "cl100k_base", "-c", str(d), "-f", "json", "--alpha", "1"]).stdout)
    a1b = json.loads(_ok(["evaluate", "cl100k_base", "-c", str(d), "-f", "json", "--alpha", "1.000001"]).stdout)
    assert a1[0]["renyi_efficiency"] == pytest.approx(a1b[0]["renyi_efficiency"], abs=1e-5)
    assert 0.5 < a1[0]["renyi_efficiency"] < 1


def test_bad_inputs_give_one_line_and_exit_2(tmp_path: Path, corpora: Path) -> None:
    d = _small_parallel(tmp_path, corpora, ("eng", "deu"))
    tok = str(wordlevel_json(tmp_path, {"[UNK]": 0, "a": 1}))
    _fails(["evaluate", tok, "-c", str(tmp_path / "missing")], "does not exist")
    (tmp_path / "empty.txt").write_text("")
    _fails(["evaluate", tok, "-c", str(tmp_path / "empty.txt")], "is empty")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02abc")
    _fails(["evaluate", tok, "-c", str(tmp_path / "bin.txt")], "looks binary")
    (tmp_path / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    _fails(["evaluate", tok, "-c", str(tmp_path / "latin1.txt")], "not valid UTF-8")
    _fails(["evaluate", tok, "-c", str(d), "--reference", "xyz"], "reference language 'xyz' is not in corpus")
    uneven = tmp_path / "uneven"
    uneven.mkdir()
    (uneven / "eng.txt").write_text("a\nb\n")
    (uneven / "deu.txt").write_text("a\n")
    _fails(["evaluate", tok, "-c", str(uneven), "--reference", "eng"], "unequal line counts")
    (tmp_path / "bad.json").write_text("{oops")
    _fails(["evaluate", str(tmp_path / "bad.json"), "-c", str(d)], "not valid JSON")
    (tmp_path / "tok.xyz").write_text("abc")
    _fails(["evaluate", str(tmp_path / "tok.xyz"), "-c", str(d)], "unknown tokenizer format")
    _fails(["evaluate", "nonexistent-name", "-c", str(d)], "not found")
    _fails(["evaluate", tok, "-c", str(d), "-o", str(tmp_path / "out.xlsx")], "cannot tell the table format")
    # uneven corpus without --reference: runs, says why there are no premiums
    result = _ok(["evaluate", tok, "-c", str(uneven), "-f", "json"])
    assert "not parallel" in result.stderr
    assert all(r["token_premium"] is None for r in json.loads(result.stdout))


def test_help_and_version() -> None:
    assert "evaluate" in _ok(["--help"]).stdout
    assert "--reference" in _ok(["evaluate", "--help"]).stdout
    assert _ok(["--version"]).stdout.startswith("tokkit ")


def test_sidecar_records_the_real_command(tmp_path: Path, corpora: Path) -> None:
    import subprocess
    import sys

    d = _small_parallel(tmp_path, corpora, ("eng", "deu"))
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "tokkit", "evaluate", "cl100k_base", "-c", str(d), "-o", str(out), "-f", "csv"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("tokenizer,corpus,lang")
    meta = json.loads((tmp_path / "r.json.meta.json").read_text())
    assert meta["command"] == ["tokkit", "evaluate", "cl100k_base", "-c", str(d), "-o", str(out), "-f", "csv"]
    assert len(json.loads(out.read_text())) == 2
