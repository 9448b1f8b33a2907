"""Save tokenizers: as a `tokenizers.Tokenizer`, and as a directory both `tokenizers` and transformers load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokkit.errors import InputError
from tokkit.io.tokenizers.hf import HFTokenizer
from tokkit.io.tokenizers.sentencepiece import SentencePieceTokenizer
from tokkit.tokenizer import Tokenizer


def sentencepiece_to_tokenizers(model: Path) -> Any:
    """The `tokenizers.Tokenizer` that transformers builds from a SentencePiece model (same ids)."""
    import shutil
    import tempfile

    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(model, Path(tmp) / "tokenizer.model")
        hf = AutoTokenizer.from_pretrained(tmp, local_files_only=True)
        return hf.backend_tokenizer


def write_tokenizer_dir(
    tok: Any, directory: Path, *, roles: dict[str, str], extra_files: dict[str, bytes], check_lines: list[str]
) -> None:
    """Write tokenizer.json, the transformers config files, vocab.txt and extra files into `directory`.

    Then load the directory both ways (`tokenizers` and `transformers.AutoTokenizer`) and check that
    they encode `check_lines` identically; a difference is a bug and raises RuntimeError.
    """
    from tokenizers import Tokenizer as RawTokenizer
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    for name, data in extra_files.items():
        (directory / name).write_bytes(data)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **roles)  # type: ignore[no-untyped-call]
    fast.save_pretrained(str(directory))
    raw = RawTokenizer.from_file(str(directory / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    for line in check_lines:
        a = raw.encode(line, add_special_tokens=False).ids
        b = auto.encode(line, add_special_tokens=False)
        if a != b:
            raise RuntimeError(f"tokenizers and transformers disagree on {line[:60]!r}: {a[:10]} vs {b[:10]}")
    with (directory / "vocab.txt").open("w", encoding="utf-8") as fh:
        fh.write("# id\ttoken\ttext it stands for (escaped)\n")
        for token, i in sorted(raw.get_vocab(with_added_tokens=True).items(), key=lambda x: x[1]):
            text = raw.decode([i], skip_special_tokens=False)
            fh.write(f"{i}\t{token}\t{text.encode('unicode_escape').decode('ascii')}\n")


def to_tokenizers(tok: Tokenizer) -> Any:
    """The tokenizer as a `tokenizers.Tokenizer`, for saving next to a model."""
    if isinstance(tok, HFTokenizer):
        from tokenizers import Tokenizer as RawTokenizer

        raw = RawTokenizer.from_str(tok._tok.to_str())
        raw.encode_special_tokens = False
        return raw
    if isinstance(tok, SentencePieceTokenizer):
        return sentencepiece_to_tokenizers(tok.files[0])
    raise InputError(
        f"cannot save a {tok.family} tokenizer as tokenizer.json yet",
        hint="pass a tokenizer.json, a Hugging Face directory or a SentencePiece .model",
    )
