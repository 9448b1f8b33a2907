"""Load and save causal language models (local directories, GGUF files, hub ids when online)."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokkit.errors import InputError
from tokkit.io.tokenizers import Tokenizer, load_tokenizer

ROLE_TOKENS = {
    "bos": ("<s>", "<bos>", "<|begin_of_text|>", "<|startoftext|>", "[CLS]"),
    "eos": ("</s>", "<eos>", "<|endoftext|>", "<|end_of_text|>", "<|im_end|>", "[SEP]"),
    "unk": ("<unk>", "[UNK]", "<|unk|>"),
    "pad": ("<pad>", "[PAD]", "<|pad|>", "<|finetune_right_pad_id|>"),
}


@dataclass(slots=True)
class LoadedModel:
    """A causal LM in float32 on the CPU, its tokenizer and where it came from."""

    model: Any
    tokenizer: Tokenizer
    source: str
    files: tuple[Path, ...]


def _from_pretrained(spec: str, *, trust_remote_code: bool, what: str, allow_pickle: bool = False) -> Any:
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # stderr carries tokkit's own progress and messages only
    path = Path(spec).expanduser()
    kwargs: dict[str, Any] = {"dtype": torch.float32, "trust_remote_code": trust_remote_code}
    if path.is_file() and path.suffix == ".gguf":
        ref, kwargs["gguf_file"] = str(path.parent), path.name
    elif path.is_dir():
        ref = str(path)
        if not (path / "config.json").is_file():
            raise InputError(
                f"{what} {path} has no config.json", hint="pass a save_pretrained directory or a .gguf file"
            )
        if not any(path.glob("*.safetensors")):
            if not any(path.glob("*.bin")):
                raise InputError(f"{what} {path} has no weights (*.safetensors)")
            if not allow_pickle:
                raise InputError(
                    f"{what} {path} has only pickled weights (*.bin), which can run code when loaded",
                    hint="convert them to safetensors, or pass --allow-pickle if you trust the files",
                )
        config = json.loads((path / "config.json").read_text())
        if config.get("auto_map") and not trust_remote_code:
            raise InputError(
                f"{what} {path} needs custom code (auto_map in config.json)",
                hint="pass --trust-remote-code only if you trust that code",
            )
    elif path.exists():
        raise InputError(f"{what} {path} is neither a model directory nor a .gguf file")
    elif spec.startswith((".", "/", "~")) or spec.endswith(".gguf"):
        raise InputError(f"{what} {spec} does not exist")
    else:
        ref = spec
    kwargs["local_files_only"] = path.exists()
    if not allow_pickle and not kwargs.get("gguf_file"):
        kwargs["use_safetensors"] = True
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # the GGUF reader's own progress bars
            return AutoModelForCausalLM.from_pretrained(ref, **kwargs)
    except Exception as e:  # transformers raises many types for unreadable models
        text = str(e).strip().splitlines()
        raise InputError(f"cannot load {what} {spec} ({text[0][:200] if text else type(e).__name__})") from None


def load_model(
    spec: str, *, trust_remote_code: bool = False, what: str = "model", allow_pickle: bool = False
) -> LoadedModel:
    """The model and its tokenizer; refuses custom code unless `trust_remote_code`, and pickled
    `.bin` weights unless `allow_pickle`."""
    model = _from_pretrained(spec, trust_remote_code=trust_remote_code, what=what, allow_pickle=allow_pickle)
    model.eval()
    tokenizer = load_tokenizer(spec, trust_remote_code=trust_remote_code)
    path = Path(spec).expanduser()
    files = tuple(sorted(path.glob("*"))) if path.is_dir() else ((path,) if path.is_file() else ())
    return LoadedModel(model, tokenizer, spec, tuple(f for f in files if f.is_file()))


def special_roles(tok: Tokenizer, config: Any = None) -> dict[str, int]:
    """bos/eos/unk/pad ids: from a model config when given, then the tokenizer's own config, else
    by the usual token texts."""
    roles: dict[str, int] = {}
    for role in ("bos", "eos", "pad", "unk"):
        value = getattr(config, f"{role}_token_id", None) if config is not None else None
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, int) and 0 <= value < tok.vocab_size:
            roles[role] = value
            continue
        if role in tok.roles:
            roles[role] = tok.roles[role]
            continue
        for text in ROLE_TOKENS[role]:
            for i in tok.special_ids | tok.unk_ids:
                if tok.id_to_token(i) == text:
                    roles[role] = i
                    break
            if role in roles:
                break
    return roles


def save_model(model: Any, directory: Path) -> None:
    """save_pretrained as safetensors; a model loaded from GGUF drops its (dequantised) GGUF flag first."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    model.save_pretrained(str(directory), safe_serialization=True)


def load_saved(directory: Path) -> tuple[Any, Any]:
    """A directory tokkit just wrote, reloaded the way a user would (AutoModelForCausalLM in
    float32, AutoTokenizer), local files only; the model in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(directory), local_files_only=True, dtype=torch.float32)
    model.eval()  # type: ignore[no-untyped-call]
    return model, AutoTokenizer.from_pretrained(str(directory), local_files_only=True)


def copy_model_files(source: Path, out: Path, *, skip: set[str]) -> None:
    """Copy the files of `source` other than weights (*.safetensors) and the names in `skip` into `out`."""
    import shutil

    for f in source.iterdir():
        if f.is_file() and f.suffix != ".safetensors" and f.name not in skip:
            shutil.copy2(f, out / f.name)
