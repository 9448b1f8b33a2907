"""`tokkit transplant` and `tokkit transplant heal` as functions: check the inputs, write the model directory
(atomically, with its tokkit.meta.json), return a typed result.

`transplant` runs the steps of `surgery/pipeline.py` (load, align, initialise, save, verify) into a fresh
directory and, when asked, heals it; `heal` fine-tunes the rows of a model transplanted before
(the loop itself is `surgery/heal.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokkit.errors import InputError
from tokkit.io.corpora import read_text_file, sha256
from tokkit.io.models import copy_model_files, load_saved, save_model
from tokkit.io.reports import check_output_dir, read_json, write_dir_atomic, write_json, write_sidecar
from tokkit.io.tokenizers import load_tokenizer
from tokkit.surgery.config import DEFAULT_EVAL_TEXT, DEFAULT_HEAL_CORPUS, HealConfig, HealRows, TransplantConfig
from tokkit.surgery.result import HealResult, TransplantResult
from tokkit.workflows.progress import StepProgress, no_step_progress

if TYPE_CHECKING:
    from tokkit.surgery.heal import HealStats

TRANSPLANT = TransplantConfig()
HEAL = HealConfig()
WRITTEN_HERE = {"transplant.json", "tokkit.meta.json", "config.json", "generation_config.json"}


def check_device(device: str) -> None:
    """`cpu`, `cuda` or `cuda:N`, and CUDA present when asked for."""
    if device not in {"cpu", "cuda"} and not device.startswith("cuda:"):
        raise InputError(f"--device {device!r}: use cpu or cuda")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise InputError("--device cuda: no CUDA device is available here", hint="use --device cpu")


def read_heal_corpus(path: Path) -> str:
    """The heal corpus as text; one clear error when it is missing, empty or not UTF-8."""
    return read_text_file(path, what="heal corpus")


def transplant(
    base_model: str | Path,
    output: str | Path,
    *,
    tokenizer: str | Path | None = None,
    donor: str | Path | None = None,
    config: TransplantConfig = TRANSPLANT,
    eval_text: Path | None = None,
    measure: bool = True,
    heal: HealConfig | None = None,
    heal_corpus: Path | None = None,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    force: bool = False,
    progress: StepProgress = no_step_progress,
) -> TransplantResult:
    """Give `base_model` the new `tokenizer` (or the `donor`'s), write it to `output`, and measure it.

    `eval_text` (default: the shipped held-out English) gives bits per byte before and after, unless
    `measure` is false; `heal` then fine-tunes the new rows on `heal_corpus` (default: the shipped heal text).
    Here `base_model` is a model directory and `new_tokenizer` a tokenizer (the test passes a 2-layer Llama):

    >>> from tokkit import transplant
    >>> from tokkit.surgery.config import Method, TransplantConfig
    >>> result = transplant(base_model, out / "moved", tokenizer=new_tokenizer,
    ...                     config=TransplantConfig(method=Method.SUBWORD_MEAN))
    >>> c = result.counts
    >>> result.method, c.exact > 0, c.exact + c.approximated + c.unmatched == c.new_vocab_size
    ('subword-mean', True, True)
    >>> result.verification.base_bits_per_byte > 0, (out / "moved" / "tokkit.meta.json").is_file()
    (True, True)
    """
    base, out = str(base_model), Path(output)
    new, donor_spec = (str(tokenizer) if tokenizer is not None else None), (str(donor) if donor else None)
    check_output_dir(out, force=force)
    check_device(config.device)
    text = (eval_text or DEFAULT_EVAL_TEXT) if measure else None
    if text is not None and not text.is_file():
        raise InputError(f"--eval-text {text} does not exist")
    if config.omp_screen is not None and config.omp_screen < config.k:
        raise InputError(f"--omp-screen {config.omp_screen} is smaller than --k {config.k}",
                         hint="give M >= k, or leave it out")  # fmt: skip
    corpus = (heal_corpus or DEFAULT_HEAL_CORPUS) if heal is not None else None
    if heal is not None and corpus is not None:
        read_heal_corpus(corpus)  # empty / not UTF-8: fail before any model is loaded
    holder: list[TransplantResult] = []

    def fill(directory: Path) -> None:
        from tokkit.surgery.pipeline import transplant as run_steps

        result = run_steps(base, new, directory, config, donor_spec=donor_spec, eval_text=text,
                           trust_remote_code=trust_remote_code, allow_pickle=allow_pickle)  # fmt: skip
        params = {
            "base_model": base, "tokenizer": new, "method": config.method.value, "donor": donor_spec, "k": config.k,
            "omp_screen": config.omp_screen, "embedder": config.embedder.value, "device": config.device,
            "eval_text": str(text) if text else None, "heal": heal.steps if heal else 0,
            "heal_corpus": str(corpus) if heal else None,
        }  # fmt: skip
        if heal is not None and corpus is not None:
            with progress(heal.steps) as on_step:
                healed = heal_directory(directory, directory, corpus, heal, eval_text=text, on_step=on_step)
            result = _with_heal(result, healed)
        files = [Path(p) for p in (base, new, donor_spec, text, corpus) if p and Path(p).is_file()]
        write_sidecar(directory, params=params, inputs=files, seeds={"seed": config.seed}, outputs=[out], force=True)
        holder.append(result)

    write_dir_atomic(out, fill, force=force)
    return holder[0]


def _with_heal(result: TransplantResult, healed: HealResult) -> TransplantResult:
    from dataclasses import replace

    return replace(result, heal=healed)


def heal(
    model_dir: str | Path,
    output: str | Path,
    *,
    corpus: Path | None = None,
    config: HealConfig = HEAL,
    eval_text: Path | None = None,
    measure: bool = True,
    force: bool = False,
    progress: StepProgress = no_step_progress,
) -> HealResult:
    """Fine-tune only the embedding / lm_head rows of a model `tokkit transplant` wrote, into `output`.

    `corpus` defaults to the shipped heal text; bits per byte before/after are measured on `eval_text`
    (default: the text the transplant was verified on) unless `measure` is false.

    >>> from tokkit import heal
    >>> from tokkit.surgery.config import HealConfig
    >>> healed = heal(transplanted, out / "healed", config=HealConfig(steps=3, batch_size=2, seq_len=32))
    >>> healed.steps, healed.rows, healed.rows_healed > 0
    (3, 'new', True)
    >>> healed.bits_per_byte_after is not None
    True
    """
    source, out = Path(model_dir), Path(output)
    if not source.is_dir():
        raise InputError(f"model directory {source} does not exist")
    check_output_dir(out, force=force)
    if out.resolve() == source.resolve():
        raise InputError("--output is the model directory itself", hint="write the healed model elsewhere")
    check_device(config.device)
    text = corpus or DEFAULT_HEAL_CORPUS
    read_heal_corpus(text)
    check = read_json(source / "transplant.json", what="transplant report").get("verification") or {}
    evaluate = (eval_text or (Path(check["eval_text"]) if check.get("eval_text") else None)) if measure else None
    if evaluate is not None and not evaluate.is_file():
        raise InputError(f"--eval-text {evaluate} does not exist", hint="pass --eval-text, or --no-eval")
    holder: list[HealResult] = []

    def fill(directory: Path) -> None:
        with progress(config.steps) as on_step:
            holder.append(heal_directory(source, directory, text, config, eval_text=evaluate, on_step=on_step))
        params = {"model_dir": str(source), "corpus": str(text), "steps": config.steps, "rows": config.rows.value,
                  "lr": config.lr, "batch_size": config.batch_size, "seq_len": config.seq_len,
                  "device": config.device, "eval_text": str(evaluate) if evaluate else None}  # fmt: skip
        inputs = [text, source / "transplant.json", *source.glob("*.safetensors")]
        inputs += [evaluate] if evaluate else []
        write_sidecar(directory, params=params, inputs=inputs, seeds={"seed": config.seed}, outputs=[out], force=True)

    write_dir_atomic(out, fill, force=force)
    return holder[0]


def heal_directory(
    source: Path,
    out: Path,
    corpus: Path,
    config: HealConfig,
    *,
    eval_text: Path | None,
    window: int = 512,
    on_step: Callable[[int, float], None] | None = None,
) -> HealResult:
    """Heal the model saved in `source` into `out` (may be the same directory); `out`/transplant.json gets
    the "heal" section beside everything `source`/transplant.json had."""
    import numpy as np

    from tokkit.surgery.heal import heal as heal_rows
    from tokkit.surgery.measure import score_new

    t0 = time.perf_counter()
    report = read_json(source / "transplant.json", what="transplant report")
    initialised = report.get("initialised_ids")
    if config.rows is HealRows.NEW and not isinstance(initialised, list):
        raise InputError(f"{source}/transplant.json has no initialised_ids", hint="re-run tokkit transplant")
    if (source / "config.json").is_file() and "quantization_config" in read_json(source / "config.json",
                                                                                  what="model config"):  # fmt: skip
        raise InputError(f"{source} holds quantized weights, which cannot be healed",
                         hint="transplant from a float (dequantized) model")  # fmt: skip
    text = read_heal_corpus(corpus)
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
    stats = heal_rows(model, ids, rows, config, start_id=start, on_step=on_step)
    if source != out:
        copy_model_files(source, out, skip=WRITTEN_HERE)
    save_model(model, out)
    after = None
    if eval_text is not None:
        reloaded, _ = load_saved(out)
        after = score_new(reloaded, load_tokenizer(str(out)), eval_text, new_ids, window)
    section = _section(config, stats, corpus, text, len(ids), eval_text, before, after, report)
    section |= {"train_seconds": stats.seconds, "seconds": round(time.perf_counter() - t0, 2)}
    write_json(out / "transplant.json", {**report, "heal": section})
    return HealResult(**section)


def _section(
    config: HealConfig, stats: HealStats, corpus: Path, text: str, n_tokens: int, eval_text: Path | None, before: Any,
    after: Any, report: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """transplant.json's "heal" section, but for the timings."""
    import hashlib

    import numpy as np

    from tokkit.surgery.measure import on_new_tokens

    def figures(scored: Any) -> tuple[float | None, float | None, int | None]:
        if scored is None:
            return None, None, None
        score, is_new = scored
        nt = on_new_tokens(score, is_new, None)
        return score.score.bits_per_byte, nt.new_bits_per_byte, nt.positions

    whole_b, new_b, positions = figures(before)
    whole_a, new_a, _ = figures(after)
    check = report.get("verification") or {}
    eval_sha = sha256(eval_text) if eval_text is not None else None
    same_text = eval_sha is not None and check.get("eval_text_sha256") == eval_sha
    losses = stats.losses
    k = min(10, len(losses))
    return {
        "steps": stats.steps, "rows": config.rows.value, "rows_healed": stats.rows_healed,
        "matrices": stats.matrices, "seed": config.seed, "lr": config.lr, "batch_size": config.batch_size,
        "seq_len": config.seq_len, "device": config.device, "corpus": str(corpus),
        "corpus_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "corpus_tokens": n_tokens,
        "loss_first": float(np.mean(losses[:k])) if k else None,
        "loss_last": float(np.mean(losses[-k:])) if k else None,
        "eval_text": str(eval_text) if eval_text is not None else None, "eval_text_sha256": eval_sha,
        "new_token_positions": positions, "bits_per_byte_before": whole_b, "bits_per_byte_after": whole_a,
        "new_token_bits_per_byte_before": new_b, "new_token_bits_per_byte_after": new_a,
        "base_bits_per_byte": check.get("base_bits_per_byte") if same_text else None,
        "base_new_token_bits_per_byte": check.get("base_new_token_bits_per_byte") if same_text else None,
    }  # fmt: skip
