"""`tokkit transplant heal`: fine-tune only the embedding rows of a transplanted model; its options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tokkit.cli._options import ForceOpt, FormatOpt
from tokkit.cli._output import OutputFormat, emit, err, info, user_errors
from tokkit.surgery.config import HealConfig, HealRows

if TYPE_CHECKING:
    from tokkit.surgery.result import HealResult

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
HEAL_COLUMNS = ("steps", "rows_healed", "bits_per_byte_before", "bits_per_byte_after",
                "new_token_bits_per_byte_before", "new_token_bits_per_byte_after", "train_seconds")  # fmt: skip


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


def heal_verdict(healed: HealResult) -> None:
    def f(value: float | None) -> str:
        return f"{value:.3f}" if isinstance(value, float) else "n/a"

    info(
        f"healed {healed.rows_healed:,} rows in {healed.steps} steps ({healed.train_seconds} s): "
        f"bits per byte {f(healed.bits_per_byte_before)} -> {f(healed.bits_per_byte_after)}, on new tokens "
        f"{f(healed.new_token_bits_per_byte_before)} -> {f(healed.new_token_bits_per_byte_after)}"
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

    from tokkit.workflows.transplant import heal

    with user_errors():
        config = heal_config(steps, rows, lr, batch_size, seq_len, seed, device)
        healed = heal(model_dir, output, corpus=corpus, config=config, eval_text=eval_text, measure=not no_eval,
                      force=force, progress=heal_progress)  # fmt: skip
    heal_verdict(healed)
    row = {"output": str(output), **{k: getattr(healed, k) for k in HEAL_COLUMNS}}
    emit(pd.DataFrame([row]), fmt, title="tokkit transplant heal")
