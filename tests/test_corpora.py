"""The shipped corpora are aligned and clean; the reader validates what users feed it."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokkit.errors import InputError
from tokkit.io.corpora import count_lines, iter_batches, open_corpus
from tokkit.languages import LANGUAGES

REQUIRED = [
    "eng",
    "tur",
    "deu",
    "fra",
    "spa",
    "rus",
    "ara",
    "hin",
    "zho",
    "jpn",
    "kor",
    "fin",
    "hun",
    "swa",
    "ell",
    "heb",
    "tha",
    "vie",
]


def test_parallel_corpus_is_aligned_and_clean(corpora: Path) -> None:
    files = sorted((corpora / "parallel").glob("*.txt"))
    langs = [p.stem for p in files]
    assert set(REQUIRED) <= set(langs) and len(langs) >= 20
    assert len({LANGUAGES[lang][1] for lang in langs}) >= 8  # scripts
    n = None
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert text.endswith("\n") and unicodedata.is_normalized("NFC", text), p
        lines = text[:-1].split("\n")
        assert all(line and line == line.strip() for line in lines), p
        n = n or len(lines)
        assert len(lines) == n >= 200, p
    assert open_corpus(corpora / "parallel").is_parallel


def test_other_shipped_corpora(corpora: Path) -> None:
    assert sum(p.stat().st_size for p in (corpora / "tr").glob("*.txt")) >= 20_000
    for sub in ("en", "code", "math"):
        assert any((corpora / sub).iterdir())


def test_manifest_matches(corpora: Path) -> None:
    repo = corpora.parent
    for line in (corpora / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((repo / name).read_bytes()).hexdigest() == digest, name


def _lines(corpus_path: Path, **kw: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang, lines, _ in iter_batches(open_corpus(corpus_path, **kw), batch_size=2):
        out.setdefault(lang, []).extend(lines)
    return out


def test_reader_handles_bom_crlf_and_cr(tmp_path: Path) -> None:
    p = tmp_path / "deu.txt"
    p.write_bytes(b"\xef\xbb\xbfeins\r\nzwei\rdrei\n\nvier")
    assert count_lines(p) == 5
    assert _lines(p) == {"deu": ["eins", "zwei", "drei", "vier"]}


def test_reader_languages_and_aliases(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "en.txt").write_text("a\nb\n")
    (tmp_path / "d" / "tr.txt").write_text("c\nd\n")
    corpus = open_corpus(tmp_path / "d")
    assert corpus.line_counts == {"eng": 2, "tur": 2} and corpus.is_parallel


def test_reader_jsonl_and_parquet(tmp_path: Path) -> None:
    import pandas as pd

    records = [
        {"text": "hello world", "lang": "en"},
        {"text": "merhaba\ndünya", "lang": "tr"},
        {"text": "bye", "lang": "en"},
    ]
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    assert _lines(p) == {"eng": ["hello world", "bye"], "tur": ["merhaba", "dünya"]}
    q = tmp_path / "c.parquet"
    pd.DataFrame(records).rename(columns={"text": "body"}).to_parquet(q)
    assert _lines(q, text_column="body") == {"eng": ["hello world", "bye"], "tur": ["merhaba", "dünya"]}
    with pytest.raises(InputError, match="no column 'text'"):
        _lines(q)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "is empty"),
        (b"abc\x00def\n", "looks binary"),
        (b"caf\xe9\n", "not valid UTF-8"),
    ],
)
def test_reader_rejects_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "eng.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        _lines(p)


def test_reader_rejects_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_corpus(tmp_path / "nope")


def test_directory_of_one_language(corpora: Path, tmp_path: Path) -> None:
    corpus = open_corpus(corpora / "tr", lang="tr")
    assert set(corpus.line_counts) == {"tur"} and not corpus.is_parallel
    (tmp_path / "en.txt").write_text("a\n")
    (tmp_path / "eng.txt").write_text("b\n")
    with pytest.raises(InputError, match="several files"):
        open_corpus(tmp_path)


def test_packaged_eval_text_is_the_corpus_copy(corpora: Path) -> None:
    from tokkit.surgery.config import DEFAULT_EVAL_TEXT

    assert DEFAULT_EVAL_TEXT.read_bytes() == (corpora / "eval" / "heldout-en.txt").read_bytes()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\n"), max_size=12), max_size=30),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1),
    st.integers(1, 9),
    st.integers(1, 5),
    st.booleans(),
)
def test_reader_streams_the_same_lines_in_any_chunking(
    tmp_path: Path, lines: list[str], ends: list[str], chunk: int, batch_size: int, final_newline: bool
) -> None:
    """Lines split at \\n, \\r\\n and \\r come out whole (empty ones dropped), whatever the chunk size."""
    import tokkit.io.corpora as corpora

    text = "".join(line + ends[i % len(ends)] for i, line in enumerate(lines))
    if not final_newline:
        text = text.rstrip("\r\n")
    path = tmp_path / "eng.txt"
    path.write_bytes(text.encode("utf-8"))
    if not text:
        return
    old = corpora.READ_CHUNK
    corpora.READ_CHUNK = chunk
    try:
        got = [line for _, batch, _ in iter_batches(open_corpus(path), batch_size) for line in batch]
    finally:
        corpora.READ_CHUNK = old
    assert got == [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]


def test_csv_keeps_a_bare_carriage_return_in_one_field() -> None:
    """A token for byte 0x0D ("\r") must read back as one row, not split two."""
    import io

    import pandas as pd

    from tokkit.io.reports import table_bytes

    df = pd.DataFrame({"token": ["x\ry", "b"], "count": [1, 2]})
    back = pd.read_csv(io.StringIO(table_bytes(df, "csv").decode(), newline=""))
    assert back["token"].tolist() == ["x\ry", "b"]
    assert back["count"].tolist() == [1, 2]
    plain = pd.DataFrame({"token": ["a", "b"], "count": [1, 2]})
    assert table_bytes(plain, "csv") == b"token,count\na,1\nb,2\n"  # unchanged when no field holds "\r"


def test_packaged_heal_corpus_is_the_corpus_copy_and_disjoint_from_eval(corpora: Path) -> None:
    from tokkit.surgery.config import DEFAULT_HEAL_CORPUS

    heal = DEFAULT_HEAL_CORPUS.read_text(encoding="utf-8")
    assert DEFAULT_HEAL_CORPUS.read_bytes() == (corpora / "heal" / "code-en.txt").read_bytes()
    for name in ("heldout-en.txt", "heldout-code.txt"):
        lines = {line.strip() for line in (corpora / "eval" / name).read_text("utf-8").splitlines()}
        long_lines = {line for line in lines if len(line) >= 40 and not line.startswith("# ----")}
        assert not any(line in heal for line in long_lines), name
