"""Load any tokenizer a user has into one adapter.

Formats: a `tokenizer.json` file, a Hugging Face tokenizer directory, a SentencePiece `.model`,
a tiktoken `.tiktoken` ranks file, a Mistral tekken `.json`, a GGUF model file, a name from the
offline catalog (`tokkit.io.catalog`) and, when online, a Hugging Face hub id.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tokkit.errors import InputError, first_line
from tokkit.io import catalog
from tokkit.io.tokenizers.hf import HFTokenizer
from tokkit.io.tokenizers.patterns import TIKTOKEN_PATTERNS, TIKTOKEN_SPECIALS
from tokkit.io.tokenizers.sentencepiece import SentencePieceTokenizer
from tokkit.io.tokenizers.tiktoken import TiktokenTokenizer
from tokkit.tokenizer import Tokenizer

log = logging.getLogger(__name__)


def load_tokenizer(spec: str, *, tiktoken_pattern: str | None = None, trust_remote_code: bool = False) -> Tokenizer:
    """Load a tokenizer from a path, an offline catalog name or (online) a hub id."""
    path = Path(spec).expanduser()
    if path.exists():
        return _load_path(path, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
    if spec in catalog.OFFLINE_TOKENIZERS:
        entry = catalog.OFFLINE_TOKENIZERS[spec]
        resolved = catalog.resolve(spec)
        return _load_path(
            resolved,
            tiktoken_pattern=tiktoken_pattern or entry.tiktoken_pattern,
            trust_remote_code=False,
            name=spec,
            specials=entry.tiktoken_specials,
        )
    looks_like_path = spec.startswith((".", "/", "~")) or Path(spec).suffix in {".json", ".model", ".tiktoken", ".gguf"}
    if re.fullmatch(r"[\w.-]+/[\w.-]+", spec) and not looks_like_path:
        return _load_hub(spec, trust_remote_code=trust_remote_code)
    raise InputError(
        f"tokenizer {spec!r} not found: no such file or directory, and not an offline tokenizer name",
        hint=f"give a path, a hub id (online), or one of: {', '.join(catalog.OFFLINE_TOKENIZERS)}",
    )


def _display_name(path: Path) -> str:
    if path.name in {"tokenizer.json", "tokenizer.model"}:
        return path.resolve().parent.name
    return path.name.split(".")[0] if path.is_file() else path.resolve().name


def _load_path(
    path: Path,
    *,
    tiktoken_pattern: str | None,
    trust_remote_code: bool,
    name: str | None = None,
    specials: dict[str, int] | None = None,
) -> Tokenizer:
    name = name or _display_name(path)
    if path.is_dir():
        return _load_dir(path, name=name, trust_remote_code=trust_remote_code)
    if path.stat().st_size == 0:
        raise InputError(f"tokenizer file {path} is empty")
    suffixes = path.name.lower().split(".")[1:]
    if "gguf" in suffixes[-1:]:
        return _load_gguf(path, name=name)
    if suffixes[-1:] == ["tiktoken"]:
        return _load_tiktoken(path, name=name, pattern=tiktoken_pattern, specials=specials)
    if "model" in suffixes:
        return SentencePieceTokenizer(path, name=name)
    if suffixes[-1:] == ["json"]:
        return _load_json(path, name=name)
    raise InputError(
        f"unknown tokenizer format: {path}",
        hint="expected tokenizer.json, a tokenizer directory, .model, .tiktoken, tekken .json or .gguf",
    )


def _read_json(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text, so not a JSON tokenizer file") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is JSON but not a tokenizer (top level is not an object)")
    return text, data


def _load_json(path: Path, *, name: str) -> Tokenizer:
    text, data = _read_json(path)
    if "model" in data:
        from tokenizers import Tokenizer as RawTokenizer

        try:
            tok = RawTokenizer.from_str(text)
        except Exception as e:  # the Rust parser raises a bare Exception
            raise InputError(f"{path} is not a valid tokenizer.json ({first_line(e)})") from None
        return HFTokenizer(tok, name=name, source=str(path), files=(path,), spec=data, json_text=text)
    if isinstance(data.get("vocab"), list) and "config" in data:
        return _load_tekken(path, data, name=name)
    raise InputError(
        f"{path} is JSON but neither a Hugging Face tokenizer.json (no 'model') nor a tekken file",
        hint="pass the tokenizer.json written by `tokenizers`/`save_pretrained`, or a Mistral tekken.json",
    )


def _load_tekken(path: Path, data: dict[str, Any], *, name: str) -> Tokenizer:
    try:
        config = data["config"]
        n_special = int(config["default_num_special_tokens"])
        vocab_size = int(config["default_vocab_size"])
        inner = vocab_size - n_special
        entries = data["vocab"][:inner]
        ranks = {base64.b64decode(e["token_bytes"]): int(e["rank"]) for e in entries}
        pattern = str(config["pattern"])
        listed = data.get("special_tokens") or []
        specials = {str(t["token_str"]): int(t["rank"]) for t in listed}
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path} is not a valid tekken tokenizer ({type(e).__name__}: {first_line(e)})") from None
    if len(ranks) != inner or set(ranks.values()) != set(range(inner)):
        raise InputError(f"{path} is not a valid tekken tokenizer (ranks are not 0..{inner - 1})")
    if not specials:  # files before v7 list no special tokens: the defaults of mistral-common
        names = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                 "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]",
                 "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
                 "[TOOL_CONTENT]"]  # fmt: skip
        specials = {s: i for i, s in enumerate(names)}
    for i in range(n_special):
        if i not in specials.values():
            specials[f"<SPECIAL_{i}>"] = i
    tok = TiktokenTokenizer(
        ranks, pattern=pattern, name=name, path=path, specials=specials, id_offset=n_special, vocab_size=vocab_size
    )
    tok.family = "tekken"
    tok.unk_ids = frozenset(i for s, i in specials.items() if s == "<unk>")
    return tok


def _load_tiktoken(path: Path, *, name: str, pattern: str | None, specials: dict[str, int] | None) -> Tokenizer:
    stem = path.name.split(".")[0]
    pattern = pattern or stem
    regex = TIKTOKEN_PATTERNS.get(pattern, pattern if pattern != stem else None)
    if regex is None:
        raise InputError(
            f"no pre-tokenization pattern known for {path.name}",
            hint=f"pass --tiktoken-pattern with one of {', '.join(TIKTOKEN_PATTERNS)} or a regex",
        )
    ranks: dict[bytes, int] = {}
    try:
        for lineno, line in enumerate(path.read_bytes().splitlines(), 1):  # noqa: B007
            if not line.strip():
                continue
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
    except ValueError:
        raise InputError(f"{path} is not a tiktoken ranks file (line {lineno} is not 'base64 rank')") from None
    if not ranks:
        raise InputError(f"{path} is not a tiktoken ranks file (no ranks)")
    specials = (
        specials
        if specials is not None
        else TIKTOKEN_SPECIALS.get(pattern if pattern in TIKTOKEN_SPECIALS else stem, {})
    )
    return TiktokenTokenizer(ranks, pattern=regex, name=name, path=path, specials=specials)


def _load_dir(path: Path, *, name: str, trust_remote_code: bool) -> Tokenizer:
    if (path / "tokenizer.json").is_file():
        tok = _load_path(path / "tokenizer.json", tiktoken_pattern=None, trust_remote_code=False, name=name)
        return _with_config_roles(tok, path / "tokenizer_config.json")
    if (path / "tokenizer.model").is_file():
        return _with_config_roles(
            SentencePieceTokenizer(path / "tokenizer.model", name=name), path / "tokenizer_config.json"
        )
    ggufs = sorted(path.glob("*.gguf"))
    if len(ggufs) == 1:
        return _load_gguf(ggufs[0], name=name)
    if not any(path.iterdir()):
        raise InputError(f"tokenizer directory {path} is empty")
    return _load_transformers(str(path), name=name, local=True, trust_remote_code=trust_remote_code)


def _with_config_roles(tok: Tokenizer, config: Path) -> Tokenizer:
    """Set `tok.roles` from a transformers tokenizer_config.json (bos_token etc.), when there is one."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return tok
    by_text = {tok.id_to_token(i): i for i in sorted(tok.special_ids | tok.unk_ids, reverse=True)}
    roles = {}
    for role in ("bos", "eos", "unk", "pad"):
        value = data.get(f"{role}_token") if isinstance(data, dict) else None
        text = value.get("content") if isinstance(value, dict) else value
        if isinstance(text, str) and text in by_text:
            roles[role] = by_text[text]
    tok.roles = MappingProxyType(roles)
    return tok


def _load_transformers(ref: str, *, name: str, local: bool, trust_remote_code: bool, **kwargs: Any) -> Tokenizer:
    from transformers import AutoTokenizer

    try:
        hf = AutoTokenizer.from_pretrained(ref, local_files_only=local, trust_remote_code=trust_remote_code, **kwargs)
    except Exception as e:  # transformers raises many types for unreadable inputs
        where = "directory" if local else "hub id"
        raise InputError(
            f"cannot load a tokenizer from {where} {ref} ({first_line(e)})",
            hint="a tokenizer directory needs tokenizer.json, tokenizer.model or vocab files"
            if local
            else "check the id and your network; set HF_HUB_OFFLINE=1 to work offline with local paths",
        ) from None
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None:
        raise InputError(f"{ref} has only a slow (Python) tokenizer, which tokkit cannot read")
    files = tuple(Path(ref, f) for f in kwargs.values() if isinstance(f, str)) if local else ()
    tok = HFTokenizer(backend, name=name, source=ref, files=files)
    roles = {role: getattr(hf, f"{role}_token_id", None) for role in ("bos", "eos", "unk", "pad")}
    tok.roles = MappingProxyType({r: i for r, i in roles.items() if isinstance(i, int) and 0 <= i < tok.vocab_size})
    return tok


def _load_gguf(path: Path, *, name: str) -> Tokenizer:
    try:
        import gguf  # noqa: F401  (transformers needs it to read GGUF)
    except ImportError:  # pragma: no cover - gguf is a dependency
        raise InputError("reading GGUF files needs the `gguf` package: pip install gguf") from None
    tok = _load_transformers(str(path.parent), name=name, local=True, trust_remote_code=False, gguf_file=path.name)
    return tok


def _load_hub(repo_id: str, *, trust_remote_code: bool) -> Tokenizer:
    log.info("loading %s from the Hugging Face hub", repo_id)
    return _load_transformers(repo_id, name=repo_id, local=False, trust_remote_code=trust_remote_code)
