"""`tokkit transplant heal`: fine-tune only the embedding rows of a transplanted model; its options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import ForceOpt, FormatOpt
from tokkit.cli._output import OutputFormat, emit, err, info, user_errors
from tokkit.surgery.config import HealConfig, HealRows

H = HealConfig()  # every default is declared once, there

HealRowsOpt = Annotated[
    HealRows | None, typer.Option(help=f"Rows to heal: the initialised ones, or all [default: {H.rows.value}].")
]
HealCorpusOpt = Annotated[
    Path | None, typer.Option(help="UTF-8 text to heal on [default: tokkit's shipped heal text, code and prose].")
]
HealLrOpt = Annotated[
    float | None, typer.Option(min=0.0, help=f"Adam step, × the embedding matrix's std [default: {H.lr}].")
]
HealBatchOpt = Annotated[int | None, typer.Option(min=1, help=f"Windows per step [default: {H.batch_size}].")]
HealSeqLenOpt = Annotated[int | None, typer.Option(min=2, help=f"Tokens per window [default: {H.seq_len}].")]


def check_device(device: str) -> None:
    from tokkit.errors import InputError

    if device not in {"cpu", "cuda"} and not device.startswith("cuda:"):
        raise InputError(f"--device {device!r}: use cpu or cuda")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise InputError("--device cuda: no CUDA device is available here", hint="use --device cpu")


def heal_config(
    steps: int, rows: HealRows | None, lr: float | None, batch: int | None, seq_len: int | None, seed: int, device: str
) -> HealConfig:
    """The HealConfig of these options; an option left out keeps HealConfig's default."""
    return HealConfig(
        steps=steps,
        rows=rows if rows is not None else H.rows,
        lr=lr if lr is not None else H.lr,
        batch_size=batch if batch is not None else H.batch_size,
        seq_len=seq_len if seq_len is not None else H.seq_len,
        seed=seed,
        device=device,
    )


@contextmanager
def heal_progress(steps: int) -> Iterator[Callable[[int, float], None]]:
    """A rich progress bar with the running loss on stderr; a no-op when stderr is not a terminal."""
    if not err.is_terminal:
        yield lambda step, loss: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = [TextColumn("heal"), BarColumn(), TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
               TimeRemainingColumn()]  # fmt: skip
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("heal", total=steps, loss="…")

        def advance(step: int, loss: float) -> None:
            bar.update(task, advance=1, loss=f"{loss:.3f}")

        yield advance


def heal_verdict(section: dict[str, object]) -> None:
    def f(key: str) -> str:
        value = section.get(key)
        return f"{value:.3f}" if isinstance(value, float) else "n/a"

    info(
        f"healed {section['rows_healed']:,} rows in {section['steps']} steps ({section['train_seconds']} s): "
        f"bits per byte {f('bits_per_byte_before')} -> {f('bits_per_byte_after')}, on new tokens "
        f"{f('new_token_bits_per_byte_before')} -> {f('new_token_bits_per_byte_after')}"
    )


def heal_cmd(
    model_dir: Annotated[Path, typer.Argument(help="A directory written by tokkit transplant.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the healed model.")],
    corpus: HealCorpusOpt = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimizer steps.")] = H.steps,
    rows: HealRowsOpt = None,
    lr: HealLrOpt = None,
    batch_size: HealBatchOpt = None,
    seq_len: HealSeqLenOpt = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the window sampler.")] = H.seed,
    device: Annotated[str, typer.Option(help="cpu or cuda.")] = H.device,
    eval_text: Annotated[
        Path | None,
        typer.Option(help="Text for bits per byte before/after [default: the one in MODEL_DIR/transplant.json]."),
    ] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the bits-per-byte measurement.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Heal a transplanted model: fine-tune only its embedding / lm_head rows, everything else frozen.

    Example: tokkit transplant heal out/omp --corpus my-text.txt --steps 200 -o out/omp-healed
    """
    import pandas as pd

    from tokkit.errors import InputError, OutputExistsError
    from tokkit.io.reports import read_json, run_meta, write_dir_atomic
    from tokkit.surgery.config import DEFAULT_HEAL_CORPUS
    from tokkit.surgery.healing import heal_directory, read_corpus

    holder: dict[str, dict[str, object]] = {}
    with user_errors():
        if not model_dir.is_dir():
            raise InputError(f"model directory {model_dir} does not exist")
        if output.exists() and not force:
            raise OutputExistsError(f"output {output} already exists", hint="pass --force to replace it")
        if output.resolve() == model_dir.resolve():
            raise InputError("--output is the model directory itself", hint="write the healed model elsewhere")
        check_device(device)
        config = heal_config(steps, rows, lr, batch_size, seq_len, seed, device)
        text = corpus or DEFAULT_HEAL_CORPUS
        read_corpus(text, config)
        check = read_json(model_dir / "transplant.json", what="transplant report").get("verification") or {}
        evaluate = None if no_eval else eval_text or (Path(check["eval_text"]) if check.get("eval_text") else None)
        if evaluate is not None and not evaluate.is_file():
            raise InputError(f"--eval-text {evaluate} does not exist", hint="pass --eval-text, or --no-eval")

        def fill(directory: Path) -> None:
            with heal_progress(config.steps) as on_step:
                holder["heal"] = heal_directory(model_dir, directory, text, config, eval_text=evaluate,
                                                on_step=on_step)  # fmt: skip
            params = {"model_dir": str(model_dir), "corpus": str(text), "steps": steps, "rows": config.rows.value,
                      "lr": config.lr, "batch_size": config.batch_size, "seq_len": config.seq_len, "device": device,
                      "eval_text": str(evaluate) if evaluate else None}  # fmt: skip
            inputs = [text, model_dir / "transplant.json", *model_dir.glob("*.safetensors")]
            inputs += [evaluate] if evaluate else []
            (directory / "tokkit.meta.json").write_bytes(run_meta(params=params, inputs=inputs, seeds={"seed": seed},
                                                                  outputs=[output]))  # fmt: skip

        write_dir_atomic(output, fill, force=force)
    section = holder["heal"]
    heal_verdict(section)
    keys = ("steps", "rows_healed", "bits_per_byte_before", "bits_per_byte_after", "new_token_bits_per_byte_before",
            "new_token_bits_per_byte_after", "train_seconds")  # fmt: skip
    emit(pd.DataFrame([{"output": str(output), **{k: section[k] for k in keys}}]), fmt, title="tokkit transplant heal")
