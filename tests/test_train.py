"""tokkit train: every algorithm loads both ways, round-trips, is deterministic; SuperBPE's invariants."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tokkit.cli import app
from tokkit.training.config import SUPERTOKEN_CHUNKS, Algorithm, NumberScheme, TrainConfig
from tokkit.training.pair_merges import learn_merges
from tokkit.training.superbpe import count_chunks, superword_allowed, train_superbpe
from tokkit.training.supertoken import chunk_text

runner = CliRunner()
BYTE_LEVEL = ("bpe", "superbpe", "supertoken")


def _lines(corpora: Path) -> list[str]:
    text = (corpora / "en" / "prose.txt").read_text("utf-8") + (corpora / "math" / "problems.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line]


def _train(tmp: Path, corpora: Path, algorithm: str, *extra: str, vocab: int = 700) -> Path:
    out = tmp / algorithm
    args = ["train", str(corpora / "en"), str(corpora / "math"), "-a", algorithm, "--vocab-size", str(vocab)]
    result = runner.invoke(app, [*args, "-o", str(out), "-f", "json", *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, corpora: Path) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("trained")
    return {a.value: _train(tmp, corpora, a.value) for a in Algorithm}


@pytest.mark.parametrize("algorithm", [a.value for a in Algorithm])
def test_output_loads_with_tokenizers_and_transformers(trained: dict[str, Path], algorithm: str, corpora: Path) -> None:
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    out = trained[algorithm]
    raw = Tokenizer.from_file(str(out / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(out), local_files_only=True)
    assert raw.get_vocab_size() == 700
    held_out = (corpora / "parallel" / "eng.txt").read_text("utf-8").splitlines()[:60]
    for line in [*held_out, "Größe 1234567 €", "  two  spaces"]:
        assert raw.encode(line, add_special_tokens=False).ids == auto.encode(line, add_special_tokens=False)
    meta = json.loads((out / "tokkit.meta.json").read_text())
    assert meta["params"]["algorithm"] == algorithm and meta["seeds"] == {"seed": 0}
    assert any(k.endswith("prose.txt") for k in meta["inputs"])
    assert (out / "vocab.txt").read_text("utf-8").count("\n") == 701
    if algorithm.startswith("sp-"):
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model"))
        for line in held_out:
            assert sp.encode(line) == raw.encode(line, add_special_tokens=False).ids


@pytest.mark.parametrize("algorithm", BYTE_LEVEL)
def test_byte_level_round_trip(trained: dict[str, Path], algorithm: str) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(trained[algorithm] / "tokenizer.json"))

    @given(st.text())
    def roundtrip(text: str) -> None:
        assert tok.decode(tok.encode(text, add_special_tokens=False).ids, skip_special_tokens=False) == text

    roundtrip()


@pytest.mark.parametrize("algorithm", [a.value for a in Algorithm])
def test_same_seed_same_bytes(tmp_path: Path, corpora: Path, algorithm: str, trained: dict[str, Path]) -> None:
    again = _train(tmp_path, corpora, algorithm)
    assert (again / "tokenizer.json").read_bytes() == (trained[algorithm] / "tokenizer.json").read_bytes()


def test_deterministic_unigram_and_wordpiece_match_hugging_face_quality(corpora: Path) -> None:
    """tokkit's deterministic Unigram scores and WordPiece merges compress like HF's own trainers."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from tokkit.training.hf import train_hf
    from tokkit.training.pretokenizers import split_steps

    lines = _lines(corpora)
    held = (corpora / "parallel" / "eng.txt").read_text("utf-8").splitlines()
    steps = split_steps(NumberScheme.L2R3, None)
    hf_uni = Tokenizer(models.Unigram())
    hf_uni.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.Metaspace(prepend_scheme="first")])
    hf_uni.train_from_iterator(iter(lines), trainers.UnigramTrainer(
        vocab_size=700, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>", show_progress=False))  # fmt: skip
    hf_wp = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    hf_wp.pre_tokenizer = pre_tokenizers.Sequence([*steps, pre_tokenizers.BertPreTokenizer()])
    hf_wp.train_from_iterator(iter(lines), trainers.WordPieceTrainer(
        vocab_size=700, min_frequency=2, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
        show_progress=False))  # fmt: skip
    ours_uni = train_hf(iter(lines), TrainConfig(algorithm=Algorithm.UNIGRAM, vocab_size=700))
    ours_wp = train_hf(iter(lines), TrainConfig(algorithm=Algorithm.WORDPIECE, vocab_size=700))

    def n(tok) -> int:  # type: ignore[no-untyped-def]
        return sum(len(tok.encode(x).ids) for x in held)

    assert {p for p, _ in json.loads(ours_uni.to_str())["model"]["vocab"]} == set(hf_uni.get_vocab())
    assert n(ours_uni) <= n(hf_uni) * 1.02 and n(ours_wp) <= n(hf_wp) * 1.02
    assert len(set(ours_wp.get_vocab()) & set(hf_wp.get_vocab())) > 0.85 * 700


@pytest.mark.parametrize(
    "scheme,pieces",
    [
        ("digits", ["1", "2", "3", "4", "5", "6", "7"]),
        ("l2r3", ["123", "456", "7"]),
        ("r2l3", ["1", "234", "567"]),
        ("none", ["1234567"]),
    ],
)
def test_number_schemes_are_kept_by_the_saved_tokenizer(
    tmp_path: Path, corpora: Path, scheme: str, pieces: list[str]
) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_train(tmp_path, corpora, "bpe", "--numbers", scheme) / "tokenizer.json"))
    got = [p for p, _ in tok.pre_tokenizer.pre_tokenize_str("x 1234567 y") if p.isdigit()]
    assert got == pieces


def test_superbpe_invariants(corpora: Path) -> None:
    from tokkit.training.hf import train_hf

    eng = (corpora / "parallel" / "eng.txt").read_text("utf-8").splitlines()
    train = _lines(corpora) + eng[:150]
    config = TrainConfig(algorithm=Algorithm.SUPERBPE, vocab_size=1000, transition=0.7)
    final, stage1, stage2 = train_superbpe(lambda: iter(train), config)
    spec, spec1 = json.loads(final.to_str()), json.loads(stage1.to_str())
    n1 = len(spec1["model"]["merges"])
    assert spec["model"]["merges"][:n1] == spec1["model"]["merges"]  # the first t merges are stage 1's
    assert final.get_vocab_size() == 1000 and stage1.get_vocab_size() == 700
    # superword tokens exist, and obey the filters
    inner = [t for t in final.get_vocab() if "Ġ" in t.strip("Ġ")]
    assert len(inner) > 50
    assert all(":Ġ" not in t and len([w for w in t.split("Ġ") if w]) <= 4 for t in inner)
    # the saved tokenizer reproduces the training segmentation chunk by chunk
    chunks = sorted(count_chunks(train, config))
    assert [[t.id for t in final.model.tokenize(c)] for c in chunks] == stage2.sequences
    # fewer tokens than plain BPE of the same size on held-out English
    bpe = train_hf(iter(train), TrainConfig(vocab_size=1000))
    held = eng[150:]
    assert sum(len(final.encode(x).ids) for x in held) < sum(len(bpe.encode(x).ids) for x in held)


def test_learn_merges_by_hand() -> None:
    # "ab ab" x3 and "abc" x1 over symbols a=0 b=1 c=2 space=3
    surfaces = [b"a", b"b", b"c", b" "]
    chunks = [[0, 1, 3, 0, 1], [0, 1, 2]]
    result = learn_merges(chunks, [3, 1], surfaces, 3, min_frequency=1)
    # (a,b) occurs 3*2 + 1 = 7 times -> id 4; then (ab, space) 3 and (space, ab) 3 tie: smaller ids first
    assert result.merges[0] == (0, 1)
    assert result.merges[1] == (3, 4)
    assert result.sequences[1] == [4, 2] or result.sequences[1] == [6]
    # a merge that the filter rejects is never made
    blocked = learn_merges(chunks, [3, 1], surfaces, 3, min_frequency=1, allowed=lambda s: b" " not in s)
    assert all(b" " not in (surfaces + [b""] * 3)[a] for a, _ in blocked.merges)
    assert (3, 4) not in blocked.merges and (4, 3) not in blocked.merges


def test_superword_filter() -> None:
    assert superword_allowed(b" of the", 4)
    assert not superword_allowed(b"a b c d e", 4)
    assert not superword_allowed(b"note: the", 4)


def test_chunk_text_is_seeded_and_lossless() -> None:
    text = "the quick brown fox jumps over the lazy dog " * 20
    a = chunk_text(text, SUPERTOKEN_CHUNKS, random.Random(7))
    b = chunk_text(text, SUPERTOKEN_CHUNKS, random.Random(7))
    assert a == b and "".join(a) == text
    assert all(4 <= len(c) <= 23 for c in a[:-1])
    assert a != chunk_text(text, SUPERTOKEN_CHUNKS, random.Random(8))


def test_config_defaults() -> None:
    assert TrainConfig(algorithm=Algorithm.SP_BPE).numbers is NumberScheme.DIGITS
    assert TrainConfig().numbers is NumberScheme.L2R3
    assert TrainConfig(vocab_size=1000, transition=0.9).stage1_vocab_size() == 900
    assert TrainConfig(vocab_size=1000, transition=800).stage1_vocab_size() == 800


@pytest.mark.parametrize(
    "args,message",
    [
        (["-a", "bpe", "--vocab-size", "100"], "too small"),
        (["-a", "bpe", "--pretokenizer-regex", r"\p{L}+|\d+", "--numbers", "digits"], "conflicts"),
        (["-a", "sp-bpe", "--numbers", "r2l3"], "not available"),
        (["-a", "superbpe", "--transition", "0.1", "--vocab-size", "1000"], "--transition"),
    ],
)
def test_bad_train_inputs(tmp_path: Path, corpora: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["train", str(corpora / "en"), *args, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_train_refuses_to_overwrite(tmp_path: Path, corpora: Path) -> None:
    out = _train(tmp_path, corpora, "bpe")
    before = (out / "tokenizer.json").read_bytes()
    result = runner.invoke(app, ["train", str(corpora / "code"), "--vocab-size", "500", "-o", str(out)])
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (out / "tokenizer.json").read_bytes() == before
    result = runner.invoke(app, ["train", str(corpora / "code"), "--vocab-size", "500", "-o", str(out), "--force"])
    assert result.exit_code == 0 and (out / "tokenizer.json").read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bpe"]


def test_empty_and_unknown(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n")
    result = runner.invoke(app, ["train", str(tmp_path / "empty.txt"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no text" in result.stderr
    result = runner.invoke(app, ["train", str(tmp_path / "empty.txt"), "-a", "magic", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "magic" in result.stderr


def test_per_language_suite_and_optimal_vocab(tmp_path: Path, corpora: Path) -> None:
    import pandas as pd

    train = tmp_path / "train"
    train.mkdir()
    for lang in ("eng", "tur"):
        (train / f"{lang}.txt").write_text((corpora / "parallel" / f"{lang}.txt").read_text("utf-8"), "utf-8")
    out = tmp_path / "suite"
    args = ["train", "--per-language", str(train), "--eval-corpus", str(corpora / "parallel"), "-o", str(out)]
    result = runner.invoke(
        app, [*args, "--vocab-sizes", "400,700,1000,1400", "--optimal-vocab", "--target-ctc", "7000"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "ctc.csv")
    grid = table[table.role == "grid"]
    assert len(grid) == 8 and (grid.groupby("lang").n_tokens.apply(lambda s: s.is_monotonic_decreasing)).all()
    optimal = table[table.role == "optimal"].set_index("lang")
    assert set(optimal.index) == {"eng", "tur"}
    assert optimal.loc["eng", "vocab_size"] < optimal.loc["tur", "vocab_size"]  # Turkish needs more vocabulary
    for lang in ("eng", "tur"):
        assert abs(optimal.loc[lang, "n_tokens"] - 7000) / 7000 < 0.05  # achieved CTC is close to the target
        assert (out / optimal.loc[lang, "path"] / "tokenizer.json").is_file()
    assert (out / "ctc.png").read_bytes()[:4] == b"\x89PNG"
    meta = json.loads((out / "tokkit.meta.json").read_text())
    assert set(meta["params"]["fits"]) == {"eng", "tur"}


def test_suite_bad_inputs(tmp_path: Path, corpora: Path) -> None:
    base = ["train", "--per-language", str(corpora / "parallel"), "-o", str(tmp_path / "s")]
    for extra, message in [
        ([], "--eval-corpus"),
        (["--eval-corpus", str(corpora / "parallel"), "--optimal-vocab"], "exactly one of"),
        (["--eval-corpus", str(corpora / "parallel"), "--vocab-sizes", "a,b"], "comma-separated integers"),
    ]:
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert not (tmp_path / "s").exists()
