"""One loader for every tokenizer format; offsets and special-token handling are right everywhere."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokkit.errors import InputError
from tokkit.io.tokenizers import Tokenizer, load_tokenizer

cached = functools.lru_cache(maxsize=None)(load_tokenizer)

OFFLINE = ["cl100k_base", "tekken", "mistral-v1", "qwen2.5", "llama-3", "deepseek-v3"]
SAMPLE = ["Héllo wörld 😀 <|endoftext|> </s> [INST]", "  two  spaces\tand tab", "日本語のテキストです。", "x"]


def _check_spans(tok: Tokenizer, lines: list[str]) -> None:
    enc = tok.encode_batch(lines)
    assert enc.ids.shape == enc.starts.shape == enc.ends.shape
    assert int(enc.lengths.sum()) == enc.ids.size
    pos = 0
    for line, n in zip(lines, enc.lengths):
        s, e = enc.starts[pos : pos + n], enc.ends[pos : pos + n]
        assert (s >= 0).all() and (s <= e).all() and (e <= len(line)).all()
        # every non-space character lies inside some token
        covered = np.zeros(len(line), dtype=bool)
        for a, b in zip(s, e):
            covered[a:b] = True
        assert all(covered[i] or line[i].isspace() for i in range(len(line))), (tok.name, line)
        assert enc.ids[pos : pos + n].tolist() == tok.encode(line)
        pos += n


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_tokenizers_load_and_round_trip(name: str) -> None:
    tok = load_tokenizer(name)
    assert tok.vocab_size > 30_000 and tok.name == name
    _check_spans(tok, SAMPLE)
    for line in SAMPLE:
        assert tok.decode(tok.encode(line)) == line
    # special-token strings typed in text are text, never control ids
    ids = tok.encode("<|endoftext|></s><s>[INST]<unk>")
    assert not set(ids) & tok.special_ids


def test_known_vocabulary_sizes() -> None:
    sizes = {n: load_tokenizer(n).vocab_size for n in ("cl100k_base", "tekken", "mistral-v1", "qwen2.5", "llama-3")}
    assert sizes == {"cl100k_base": 100277, "tekken": 131072, "mistral-v1": 32000, "qwen2.5": 151665, "llama-3": 128256}
    assert load_tokenizer("mistral-v1").has_byte_fallback


def test_tiktoken_offsets_match_tiktoken() -> None:
    tok = load_tokenizer("cl100k_base")
    enc = tok._enc  # type: ignore[attr-defined]
    for line in SAMPLE:
        _, starts = enc.decode_with_offsets(enc.encode_ordinary(line))
        assert tok.encode_batch([line]).starts.tolist() == starts


def test_tokenizer_json_directory_and_sentencepiece(tmp_path: Path, tiny_bpe_path: Path, corpora: Path) -> None:
    import sentencepiece as spm
    from transformers import PreTrainedTokenizerFast

    tok = load_tokenizer(str(tiny_bpe_path))
    assert tok.family == "huggingface" and tok.vocab_size == 600
    # a save_pretrained directory
    fast = PreTrainedTokenizerFast(tokenizer_file=str(tiny_bpe_path), eos_token="<|endoftext|>")
    fast.save_pretrained(tmp_path / "hf")
    from_dir = load_tokenizer(str(tmp_path / "hf"))
    assert from_dir.name == "hf" and from_dir.encode("hello there") == tok.encode("hello there")
    # a SentencePiece model trained here
    spm.SentencePieceTrainer.train(
        input=str(corpora / "en" / "prose.txt"), model_prefix=str(tmp_path / "sp"), vocab_size=400,
        model_type="unigram", byte_fallback=True, minloglevel=2,
    )  # fmt: skip
    sp = load_tokenizer(str(tmp_path / "sp.model"))
    assert sp.family == "sentencepiece" and sp.vocab_size == 400 and sp.has_byte_fallback
    _check_spans(sp, SAMPLE)


def test_gguf_tokenizer(smollm2_gguf: Path) -> None:
    tok = load_tokenizer(str(smollm2_gguf))
    assert tok.vocab_size == 49152 and tok.name == "SmolLM2-135M-Instruct"
    _check_spans(tok, SAMPLE)
    assert tok.decode(tok.encode("The capital of France is")) == "The capital of France is"


@given(text=st.text())
def test_byte_level_bpe_round_trips_any_text(tiny_bpe_path: Path, text: str) -> None:
    tok = cached(str(tiny_bpe_path))
    assert tok.decode(tok.encode(text)) == text


@given(text=st.text(min_size=1))
def test_cl100k_spans_and_round_trip(text: str) -> None:
    tok = cached("cl100k_base")
    _check_spans(tok, [text])
    assert tok.decode(tok.encode(text)) == text


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("tokenizer.json", b"{not json", "not valid JSON"),
        ("tokenizer.json", b'{"model": {"type": "BPE", "vocab": 3}}', "not a valid tokenizer.json"),
        ("tokenizer.json", b"[1, 2]", "not a tokenizer"),
        ("other.json", b'{"a": 1}', "neither"),
        ("x.model", b"garbage", "not a valid SentencePiece model"),
        ("cl100k_base.tiktoken", b"not base64 at all\n", "not a tiktoken ranks file"),
        ("weird.bin", b"abc", "unknown tokenizer format"),
        ("empty.json", b"", "is empty"),
    ],
)
def test_bad_tokenizer_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_tokenizer(str(p))


def test_unknown_tokenizer_name() -> None:
    with pytest.raises(InputError, match="not found"):
        load_tokenizer("./no/such/tokenizer.json")
    with pytest.raises(InputError, match="not found"):
        load_tokenizer("no-such-offline-name")


def test_tiktoken_needs_a_pattern(tmp_path: Path) -> None:
    from tokkit.io import catalog

    p = tmp_path / "mine.tiktoken"
    p.write_bytes(catalog.resolve("cl100k_base").read_bytes())
    with pytest.raises(InputError, match="no pre-tokenization pattern"):
        load_tokenizer(str(p))
    tok = load_tokenizer(str(p), tiktoken_pattern="cl100k_base")
    assert tok.encode("hello world") == load_tokenizer("cl100k_base").encode("hello world")


def test_tekken_json_is_detected(tmp_path: Path) -> None:
    from tokkit.io import catalog

    data = json.loads(catalog.resolve("tekken").read_text())
    data["vocab"] = data["vocab"][:10]
    p = tmp_path / "tekken.json"
    p.write_text(json.dumps(data))
    with pytest.raises(InputError, match="not a valid tekken"):
        load_tokenizer(str(p))


@pytest.mark.parametrize("name", OFFLINE)
def test_fast_spans_equal_the_library_offsets(name: str, corpora: Path) -> None:
    """Spans rebuilt from surface bytes agree with the library's own offsets, token for token."""
    lines = [
        line for p in sorted((corpora / "parallel").glob("*.txt")) for line in p.read_text("utf-8").splitlines()[:8]
    ]
    lines += [*SAMPLE, " leading", "trailing  ", "a\u00a0b", "e\u0301 decomposed", "\U0001fab8\U0001fab8"]
    tok = cached(name)
    fast, slow = tok.encode_batch(lines), tok._offsets_batch(lines)  # type: ignore[attr-defined]
    assert np.array_equal(fast.ids, slow.ids) and np.array_equal(fast.lengths, slow.lengths)
    assert np.array_equal(fast.starts, slow.starts) and np.array_equal(fast.ends, slow.ends)


def test_roles_come_from_the_tokenizer_config(tmp_path: Path, smollm2_gguf: Path) -> None:
    """SmolLM2 declares <|im_start|> as bos: read from the GGUF and from a saved tokenizer_config.json."""
    from tokkit.io.models import special_roles

    gguf = load_tokenizer(str(smollm2_gguf))
    names = {r: gguf.id_to_token(i) for r, i in special_roles(gguf).items()}
    assert names["bos"] == "<|im_start|>" and names["eos"] == "<|im_end|>"
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(str(smollm2_gguf.parent), gguf_file=smollm2_gguf.name).save_pretrained(tmp_path)
    saved = load_tokenizer(str(tmp_path))
    assert dict(saved.roles) == dict(gguf.roles)
