"""The bad-input matrix: every command, one table. Each bad input gives one clear `error:` line on
stderr (plus maybe a `hint:`), exit 2 (130 on Ctrl-C), no traceback, and leaves outputs untouched."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import tiny_llama, wordlevel_json
from typer.testing import CliRunner

from tokkit.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, corpora: Path, smollm2_gguf: Path) -> dict[str, Path]:
    """A workspace of good and bad inputs, built once."""
    root = tmp_path_factory.mktemp("bad")
    w: dict[str, Path] = {"root": root}
    par = root / "par"
    par.mkdir()
    for lang in ("eng", "deu"):
        lines = (corpora / "parallel" / f"{lang}.txt").read_text("utf-8").splitlines()[:30]
        (par / f"{lang}.txt").write_text("\n".join(lines) + "\n", "utf-8")
    w["par"] = par
    uneven = root / "uneven"
    uneven.mkdir()
    (uneven / "eng.txt").write_text("a\nb\n")
    (uneven / "deu.txt").write_text("a\n")
    w["uneven"] = uneven
    (root / "empty.txt").write_text("")
    (root / "blank.txt").write_text("\n\n\n")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (root / "latin1.txt").write_bytes("Größe und Maß\n".encode("latin-1"))
    (root / "crlf_bom.txt").write_bytes(b"\xef\xbb\xbfone line\r\ntwo lines\r\n")
    (root / "huge.txt").write_text(("word " * 400_000).strip() + "\n")
    tok = wordlevel_json(root, {"[UNK]": 0, "one": 1, "line": 2, "two": 3, "lines": 4})
    w["tok"] = tok
    text = tok.read_text()
    (root / "truncated.json").write_text(text[: len(text) // 2])
    (root / "malformed.json").write_text('{"model": {"type": "BPE", "vocab": 3}}')
    (root / "x.model").write_bytes(b"\x0a\x05hello")
    from tokkit.io import catalog

    model_bytes = catalog.resolve("mistral-v1").read_bytes()
    (root / "truncated.model").write_bytes(model_bytes[: len(model_bytes) // 3])
    (root / "cl100k_base.tiktoken").write_text("not base64 at all\n")
    ranks = catalog.resolve("cl100k_base").read_bytes()
    cut = ranks.index(b"\n", 100_000) + 6  # in the middle of a line
    (root / "truncated").mkdir()
    (root / "truncated" / "cl100k_base.tiktoken").write_bytes(ranks[:cut])
    with smollm2_gguf.open("rb") as fh:
        (root / "truncated.gguf").write_bytes(fh.read(4096))
    prose = (corpora / "en" / "prose.txt").read_text("utf-8").splitlines()
    w["base"] = tiny_llama(root, "base", prose, 400, 32, tie=False)
    from tokkit.training.config import TrainConfig
    from tokkit.training.hf import train_hf

    (root / "nospecial").mkdir()
    train_hf(iter(prose), TrainConfig(vocab_size=300, special_tokens=())).save(
        str(root / "nospecial" / "tokenizer.json")
    )
    greek = wordlevel_json(root, {"αβγδ": 0, "εζηθ": 1}, name="greek")
    w["greek"] = greek.parent
    nocfg = root / "noconfig"
    nocfg.mkdir()
    (nocfg / "model.safetensors").write_bytes((w["base"] / "model.safetensors").read_bytes())
    w["noconfig"] = nocfg
    noweights = root / "noweights"
    noweights.mkdir()
    (noweights / "config.json").write_text((w["base"] / "config.json").read_text())
    w["noweights"] = noweights
    pickled = root / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text((w["base"] / "config.json").read_text())
    (pickled / "pytorch_model.bin").write_bytes(b"not really a pickle")
    w["pickled"] = pickled
    custom = root / "custom"
    custom.mkdir()
    config = json.loads((w["base"] / "config.json").read_text()) | {"auto_map": {"AutoModelForCausalLM": "m.M"}}
    (custom / "config.json").write_text(json.dumps(config))
    (custom / "model.safetensors").write_bytes((w["base"] / "model.safetensors").read_bytes())
    w["custom"] = custom
    (root / "exists.csv").write_text("keep me\n")
    (root / "existing-dir").mkdir()
    (root / "existing-dir" / "keep.txt").write_text("keep me\n")
    (root / "a-file").write_text("keep me\n")
    (root / "bad-cases.jsonl").write_text('{"text": "x"}\n')
    return w


def R(key: str) -> Callable[[dict[str, Path]], str]:
    return lambda w: str(w[key] if key in w else w["root"] / key)


# (id, argv with placeholders, expected exit code, expected message on stderr ("" for success))
MATRIX: list[tuple[str, list[object], int, str]] = [
    # evaluate: corpora
    ("missing-corpus", ["evaluate", R("tok"), "-c", R("nope.txt")], 2, "does not exist"),
    ("empty-corpus", ["evaluate", R("tok"), "-c", R("empty.txt")], 2, "is empty"),
    ("binary-corpus", ["evaluate", R("tok"), "-c", R("binary.txt")], 2, "looks binary"),
    ("non-utf8-corpus", ["evaluate", R("tok"), "-c", R("latin1.txt")], 2, "not valid UTF-8"),
    ("crlf-bom-corpus-works", ["evaluate", R("tok"), "-c", R("crlf_bom.txt"), "-f", "json"], 0, ""),
    ("huge-single-line-works", ["evaluate", "cl100k_base", "-c", R("huge.txt"), "-f", "csv"], 0, ""),
    ("unequal-parallel", ["evaluate", R("tok"), "-c", R("uneven"), "--reference", "eng"], 2, "unequal line counts"),
    ("unknown-reference", ["evaluate", R("tok"), "-c", R("par"), "--reference", "xx"], 2, "is not in corpus"),
    (
        "unknown-lang-linguistic",
        ["evaluate", R("tok"), "-c", R("crlf_bom.txt"), "--lang", "qq", "--metrics", "linguistic"],
        2,
        "no %TR/%Pure oracle",
    ),
    ("bad-metrics", ["evaluate", R("tok"), "-c", R("par"), "--metrics", "fancy"], 2, "--metrics"),
    # evaluate: tokenizers
    ("truncated-tokenizer-json", ["evaluate", R("truncated.json"), "-c", R("par")], 2, "not valid JSON"),
    ("malformed-tokenizer-json", ["evaluate", R("malformed.json"), "-c", R("par")], 2, "not a valid tokenizer.json"),
    ("garbage-sentencepiece", ["evaluate", R("x.model"), "-c", R("par")], 2, "not a valid SentencePiece model"),
    ("truncated-sentencepiece", ["evaluate", R("truncated.model"), "-c", R("par")], 2, "not a valid SentencePiece"),
    ("malformed-tiktoken", ["evaluate", R("cl100k_base.tiktoken"), "-c", R("par")], 2, "not a tiktoken ranks file"),
    (
        "truncated-tiktoken",
        ["evaluate", R("truncated/cl100k_base.tiktoken"), "-c", R("par")],
        2,
        "not a tiktoken ranks file",
    ),
    ("truncated-gguf", ["evaluate", R("truncated.gguf"), "-c", R("par")], 2, "cannot load a tokenizer"),
    ("unknown-tokenizer", ["evaluate", "no-such-thing", "-c", R("par")], 2, "not found"),
    ("tokenizer-without-specials-works", ["evaluate", R("nospecial"), "-c", R("par"), "-f", "json"], 0, ""),
    ("tokenizer-that-cannot-encode", ["evaluate", R("greek"), "-c", R("par")], 2, "cannot encode the text"),
    # evaluate: outputs
    ("output-exists", ["evaluate", R("tok"), "-c", R("par"), "-o", R("exists.csv")], 2, "already exists"),
    (
        "output-is-directory",
        ["evaluate", R("tok"), "-c", R("par"), "-o", R("existing-dir"), "--force"],
        2,
        "is a directory",
    ),
    ("output-under-a-file", ["evaluate", R("tok"), "-c", R("par"), "-o", R("a-file/out.csv")], 2, "not a writable"),
    # evaluate: engine
    (
        "scheduler-without-dask",
        ["evaluate", R("tok"), "-c", R("par"), "--scheduler", "tcp://h:8786"],
        2,
        "--engine dask",
    ),
    (
        "scheduler-and-workers",
        ["evaluate", R("tok"), "-c", R("par"), "--engine", "dask", "--scheduler", "tcp://h:8786", "--workers", "4"],
        2,
        "cannot go with --scheduler",
    ),
    (
        "scheduler-without-port",
        ["evaluate", R("tok"), "-c", R("par"), "--engine", "dask", "--scheduler", "h", "-o", R("e.csv")],
        2,
        "cannot reach the dask scheduler",
    ),
    # train
    ("train-empty", ["train", R("blank.txt"), "-o", R("t1")], 2, "no text"),
    ("train-vocab-too-small", ["train", R("par"), "--vocab-size", "10", "-o", R("t2")], 2, "too small"),
    (
        "train-conflicting-numbers",
        ["train", R("par"), "--pretokenizer-regex", r"\d+|\w+", "--numbers", "digits", "-o", R("t3")],
        2,
        "conflicts",
    ),
    ("train-output-exists", ["train", R("par"), "-o", R("existing-dir")], 2, "already exists"),
    (
        "train-output-is-a-file",
        ["train", R("par"), "--vocab-size", "300", "-o", R("a-file"), "--force"],
        2,
        "is a file",
    ),
    ("train-unknown-algorithm", ["train", R("par"), "-a", "bpe2", "-o", R("t4")], 2, "USAGE bpe2"),
    # transplant
    (
        "transplant-no-weights",
        ["transplant", R("noweights"), "--tokenizer", R("greek"), "--method", "mean", "-o", R("m1")],
        2,
        "no weights",
    ),
    (
        "transplant-no-config",
        ["transplant", R("noconfig"), "--tokenizer", R("greek"), "--method", "mean", "-o", R("m2")],
        2,
        "no config.json",
    ),
    (
        "transplant-no-shared-tokens",
        ["transplant", R("base"), "--tokenizer", R("greek"), "--method", "mean", "--no-eval", "-o", R("m3")],
        2,
        "no token in common",
    ),
    (
        "transplant-k-too-large",
        ["transplant", R("base"), "--donor", R("base"), "--k", "100000", "--no-eval", "-o", R("m4")],
        2,
        "larger than",
    ),
    (
        "transplant-omp-without-donor",
        ["transplant", R("base"), "--tokenizer", R("base"), "-o", R("m5")],
        2,
        "needs --donor",
    ),
    (
        "transplant-remote-code",
        ["transplant", R("custom"), "--tokenizer", R("base"), "--method", "mean", "-o", R("m6")],
        2,
        "--trust-remote-code",
    ),
    (
        "transplant-pickled-weights",
        ["transplant", R("pickled"), "--tokenizer", R("base"), "--method", "mean", "-o", R("m7")],
        2,
        "--allow-pickle",
    ),
    (
        "transplant-output-exists",
        ["transplant", R("base"), "--tokenizer", R("base"), "-o", R("existing-dir")],
        2,
        "already exists",
    ),
    # adversarial
    (
        "cases-malformed",
        ["adversarial", "evaluate", "cl100k_base", "--cases", R("bad-cases.jsonl")],
        2,
        "not a cases file",
    ),
    ("cases-empty", ["adversarial", "evaluate", "cl100k_base", "--cases", R("empty.txt")], 2, "no records"),
    ("no-word-list", ["adversarial", "generate", "cl100k_base", "--lang", "sw", "-o", R("c.jsonl")], 2, "--words"),
    (
        "model-does-not-load",
        ["adversarial", "evaluate", "cl100k_base", "--cases", R("bad-cases.jsonl"), "--model", R("noweights")],
        2,
        "not a cases file",
    ),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name,argv,code,message", MATRIX, ids=[m[0] for m in MATRIX])
def test_bad_input_matrix(ws: dict[str, Path], name: str, argv: list[object], code: int, message: str) -> None:
    args = [a(ws) if callable(a) else str(a) for a in argv]
    before = _snapshot(ws["root"])
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if code == 0:
        return
    assert result.stdout == ""
    if message.startswith("USAGE "):  # Typer's own usage error (a bad flag value): its box, exit 2
        assert message.removeprefix("USAGE ") in result.stderr
        return
    assert message in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert sum(x.startswith("error:") for x in lines) == 1, lines  # one line names the problem
    assert all(x.startswith(("error:", "hint:", "note:")) for x in lines), lines
    assert _snapshot(ws["root"]) == before  # nothing written, nothing changed, no temporary leftovers


def test_matrix_is_large_enough() -> None:
    assert len(MATRIX) >= 30
    assert {m[1][0] for m in MATRIX} >= {"evaluate", "train", "transplant", "adversarial"}


def test_disk_full_leaves_nothing(ws: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.csv"
    real_replace = os.replace

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    result = runner.invoke(app, ["evaluate", str(ws["tok"]), "-c", str(ws["par"]), "-o", str(out)])
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["train", "transplant"])
def test_ctrl_c_exits_130_and_keeps_the_previous_output(
    ws: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.txt").write_text("previous run")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    if command == "train":
        monkeypatch.setattr("tokkit.training.runner.train_tokenizer", interrupted)
        monkeypatch.setattr("tokkit.cli.train.train_tokenizer", interrupted, raising=False)
        import tokkit.training.runner as runner_module

        monkeypatch.setattr(runner_module, "train_tokenizer", interrupted)
        args = ["train", str(ws["par"]), "--vocab-size", "300", "-o", str(out), "--force"]
    else:
        monkeypatch.setattr("tokkit.surgery.pipeline.save_model", interrupted)
        args = ["transplant", str(ws["base"]), "--tokenizer", str(ws["base"]), "--method", "mean", "--no-eval",
                "-o", str(out), "--force"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "previous.txt").read_text() == "previous run"
