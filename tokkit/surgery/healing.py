"""Heal a transplanted model directory: load it, fine-tune its embedding rows, save, measure."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tokkit.errors import InputError
from tokkit.io.models import load_saved, save_model
from tokkit.io.reports import read_json, write_json
from tokkit.io.tokenizers import load_tokenizer
from tokkit.surgery.config import HealConfig, HealRows
from tokkit.surgery.heal import heal
from tokkit.surgery.measure import score_new
from tokkit.surgery.verify import LanguageModelScore

WRITTEN_HERE = {"transplant.json", "tokkit.meta.json", "config.json", "generation_config.json"}


def read_corpus(path: Path, config: HealConfig) -> str:
    """The heal corpus as text; one clear error when it is missing, empty or not UTF-8."""
    if not path.is_file():
        raise InputError(f"heal corpus {path} does not exist or is not a file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"heal corpus {path} is not UTF-8 (byte {e.start})", hint="convert it to UTF-8") from None
    if not text.strip():
        raise InputError(f"heal corpus {path} is empty")
    return text


def heal_directory(
    source: Path,
    out: Path,
    corpus: Path,
    config: HealConfig,
    *,
    eval_text: Path | None,
    window: int = 512,
    on_step: Callable[[int, float], None] | None = None,
) -> dict[str, Any]:
    """Heal the model saved in `source` into `out` (may be the same directory); returns the "heal"
    section that `out`/transplant.json gets beside everything `source`/transplant.json had."""
    t0 = time.perf_counter()
    report = read_json(source / "transplant.json", what="transplant report")
    initialised = report.get("initialised_ids")
    if config.rows is HealRows.NEW and not isinstance(initialised, list):
        raise InputError(f"{source}/transplant.json has no initialised_ids", hint="re-run tokkit transplant")
    if (source / "config.json").is_file() and "quantization_config" in read_json(source / "config.json",
                                                                                  what="model config"):  # fmt: skip
        raise InputError(f"{source} holds quantized weights, which cannot be healed",
                         hint="transplant from a float (dequantized) model")  # fmt: skip
    text = read_corpus(corpus, config)
    tok = load_tokenizer(str(source))
    ids = np.array(tok.encode(text), dtype=np.int64)
    if len(ids) < config.batch_size * config.seq_len + 1:
        raise InputError(
            f"heal corpus {corpus} has {len(ids):,} tokens, fewer than one batch "
            f"({config.batch_size} × {config.seq_len} + 1)",
            hint="give a longer --heal-corpus, or a smaller --heal-batch-size / --heal-seq-len",
        )
    model, _ = load_saved(source)
    if not all(p.is_floating_point() for p in model.parameters()):
        raise InputError(f"{source} has non-float (quantized) weights, which cannot be healed")
    new_ids = [int(i) for i in initialised] if isinstance(initialised, list) else []
    before = score_new(model, tok, eval_text, new_ids, window) if eval_text is not None else None
    start = model.config.bos_token_id if model.config.bos_token_id is not None else model.config.eos_token_id
    rows = np.array(new_ids, dtype=np.int64) if config.rows is HealRows.NEW else None
    stats = heal(model, ids, rows, config, start_id=start, on_step=on_step)
    if source != out:
        for f in source.iterdir():
            if f.is_file() and f.suffix != ".safetensors" and f.name not in WRITTEN_HERE:
                shutil.copy2(f, out / f.name)
    save_model(model, out)
    after = None
    if eval_text is not None:
        reloaded, _ = load_saved(out)
        after = score_new(reloaded, load_tokenizer(str(out)), eval_text, new_ids, window)
    section = _section(config, stats.steps, stats.rows_healed, stats.matrices, stats.losses, corpus, text,
                       len(ids), eval_text, before, after, report)  # fmt: skip
    section["train_seconds"] = stats.seconds
    section["seconds"] = round(time.perf_counter() - t0, 2)
    write_json(out / "transplant.json", {**report, "heal": section})
    return section


def _section(
    config: HealConfig, steps: int, rows: int, matrices: int, losses: list[float], corpus: Path, text: str,
    n_tokens: int, eval_text: Path | None, before: Any, after: Any, report: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    from tokkit.surgery.measure import on_new_tokens

    def figures(scored: Any) -> tuple[float | None, float | None, int | None]:
        if scored is None:
            return None, None, None
        score, is_new = scored
        nt = on_new_tokens(score, is_new, None)
        s: LanguageModelScore = score.score
        return s.bits_per_byte, nt.new_bits_per_byte, nt.positions

    whole_b, new_b, positions = figures(before)
    whole_a, new_a, _ = figures(after)
    check = report.get("verification") or {}
    eval_sha = hashlib.sha256(eval_text.read_bytes()).hexdigest() if eval_text is not None else None
    same_text = eval_sha is not None and check.get("eval_text_sha256") == eval_sha
    k = min(10, len(losses))
    return {
        "steps": steps,
        "rows": config.rows.value,
        "rows_healed": rows,
        "matrices": matrices,
        "seed": config.seed,
        "lr": config.lr,
        "batch_size": config.batch_size,
        "seq_len": config.seq_len,
        "device": config.device,
        "corpus": str(corpus),
        "corpus_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "corpus_tokens": n_tokens,
        "loss_first": float(np.mean(losses[:k])) if k else None,
        "loss_last": float(np.mean(losses[-k:])) if k else None,
        "eval_text": str(eval_text) if eval_text is not None else None,
        "eval_text_sha256": eval_sha,
        "new_token_positions": positions,
        "bits_per_byte_before": whole_b,
        "bits_per_byte_after": whole_a,
        "new_token_bits_per_byte_before": new_b,
        "new_token_bits_per_byte_after": new_a,
        "base_bits_per_byte": check.get("base_bits_per_byte") if same_text else None,
        "base_new_token_bits_per_byte": check.get("base_new_token_bits_per_byte") if same_text else None,
    }
