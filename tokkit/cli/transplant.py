"""`tokkit transplant`: give a pretrained causal LM a new tokenizer, and measure what survived."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from tokkit.cli._options import AllowPickleOpt, ForceOpt, FormatOpt, TrustRemoteCodeOpt
from tokkit.cli._output import OutputFormat, emit, info, note, user_errors
from tokkit.cli.heal import (
    HealBatchOpt,
    HealCorpusOpt,
    HealLrOpt,
    HealRowsOpt,
    HealSeqLenOpt,
    heal_cmd,
    heal_config,
    heal_progress,
    heal_verdict,
)
from tokkit.surgery.config import Embedder, Method, TransplantConfig

D = TransplantConfig()  # every default is declared once, there


class _RunUnlessHeal(TyperGroup):
    """`tokkit transplant BASE ...` runs the transplant; `tokkit transplant heal DIR ...` heals."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx, args):  # type: ignore[no-untyped-def]
        name, command, rest = super().resolve_command(ctx, args)
        return ("" if name == "run" else name), command, rest  # usage reads `tokkit transplant [OPTIONS] ...`


def transplant_cmd(
    base_model: Annotated[str, typer.Argument(help="Model directory, .gguf file, or hub id (online).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the new model.")],
    tokenizer: Annotated[
        str | None, typer.Option(help="The new tokenizer (any format `evaluate` reads) [default: the donor's].")
    ] = None,
    method: Annotated[Method, typer.Option(help="How new tokens get their rows.")] = D.method,
    donor: Annotated[
        str | None, typer.Option(help="omp: a model that uses the new tokenizer (its embeddings are the donor space).")
    ] = None,
    k: Annotated[int, typer.Option(min=1, help="omp: anchors per new token.")] = D.k,
    omp_screen: Annotated[
        int | None,
        typer.Option(metavar="M", help="omp: exact OMP within each target's M best-correlated anchors (faster)."),
    ] = D.omp_screen,
    seed: Annotated[int, typer.Option(min=0, help="Seed for --method random.")] = D.seed,
    embedder: Annotated[
        Embedder, typer.Option(help="hybrid: auxiliary embedding space (the base model's hidden states, or MiniLM).")
    ] = D.embedder,
    device: Annotated[str, typer.Option(help="cpu or cuda (for the OMP kernel).")] = D.device,
    eval_text: Annotated[
        Path | None,
        typer.Option(help="Held-out text for bits per byte before/after [default: corpora/eval/heldout-en.txt]."),
    ] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the bits-per-byte verification.")] = False,
    heal: Annotated[
        int, typer.Option("--heal", metavar="STEPS", min=0, help="Then fine-tune only the embedding rows, STEPS steps.")
    ] = 0,
    heal_rows: HealRowsOpt = None,
    heal_corpus: HealCorpusOpt = None,
    heal_lr: HealLrOpt = None,
    heal_batch_size: HealBatchOpt = None,
    heal_seq_len: HealSeqLenOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    allow_pickle: AllowPickleOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Put a new tokenizer into a pretrained model (OMP, hybrid, subword-mean, mean, zero, random); optionally heal it.

    Example: tokkit transplant SmolLM2.gguf --tokenizer out/bpe --method subword-mean -o out/smollm2-bpe
    (`tokkit transplant heal DIR --corpus FILE -o OUT` heals a model transplanted before.)
    """
    import pandas as pd

    from tokkit.workflows.transplant import transplant

    with user_errors():
        config = TransplantConfig(method=method, k=k, omp_screen=omp_screen, seed=seed, device=device,
                                  embedder=embedder)  # fmt: skip
        healing = heal_config(heal, heal_rows, heal_lr, heal_batch_size, heal_seq_len, seed, device) if heal else None
        report = transplant(
            base_model, output, tokenizer=tokenizer, donor=donor, config=config, eval_text=eval_text,
            measure=not no_eval, heal=healing, heal_corpus=heal_corpus, trust_remote_code=trust_remote_code,
            allow_pickle=allow_pickle, force=force, progress=heal_progress,
        )  # fmt: skip
    for message in report.notes:
        note(message)
    c = report.counts
    row: dict[str, object] = {"output": str(output), "method": report.method, "k": report.k,
                              "new_vocab_size": c.new_vocab_size, "exact": c.exact,
                              "approximated": c.approximated, "unmatched": c.unmatched}  # fmt: skip
    check = report.verification
    if check:
        row |= {"base_bits_per_byte": check.base_bits_per_byte, "new_bits_per_byte": check.new_bits_per_byte,
                "ratio": check.ratio, "new_token_mass": check.new_token_mass}  # fmt: skip
        info(
            f"verdict: bits per byte {check.base_bits_per_byte:.3f} -> {check.new_bits_per_byte:.3f} "
            f"({check.ratio or float('nan'):.2f}x the base); {c.exact:,} of {c.new_vocab_size:,} rows kept exactly"
        )
        if check.new_new_token_bits_per_byte is not None:
            row |= {"new_token_positions": check.new_token_positions,
                    "base_new_token_bits_per_byte": check.base_new_token_bits_per_byte,
                    "new_new_token_bits_per_byte": check.new_new_token_bits_per_byte}  # fmt: skip
    if report.heal is not None:
        row |= {"healed_bits_per_byte": report.heal.bits_per_byte_after,
                "healed_new_token_bits_per_byte": report.heal.new_token_bits_per_byte_after}  # fmt: skip
        heal_verdict(report.heal)
    emit(pd.DataFrame([row]), fmt, title="tokkit transplant")


app = typer.Typer(
    cls=_RunUnlessHeal,
    help="Put a new tokenizer into a pretrained model (`tokkit transplant BASE ...`), or heal one (`... heal DIR`).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("run", hidden=True)(transplant_cmd)
app.command("heal")(heal_cmd)
