"""`tokkit adversarial generate|evaluate`: adversarial segmentation cases (ADT-style)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import AllowPickleOpt, ForceOpt, FormatOpt, TiktokenPatternOpt, TrustRemoteCodeOpt
from tokkit.cli._output import FEEDBACK, ExitCode, OutputFormat, emit, info, user_errors
from tokkit.workflows.adversarial import GENERATE_DEFAULTS as G
from tokkit.workflows.adversarial import JUDGE_DEFAULTS as J

app = typer.Typer(
    help="Adversarial segmentation tests: inputs whose tokens cross the intended word boundaries.",
    no_args_is_help=True,
)


@app.command("generate")
def generate_cmd(
    tokenizer: Annotated[str, typer.Argument(help="The tokenizer whose vocabulary the traps come from.")],
    lang: Annotated[str, typer.Option(help="Language of the cases (wordfreq code, e.g. en, zh, tr).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="cases.jsonl to write.")],
    words: Annotated[
        Path | None,
        typer.Option(help="Word list, one per line, most frequent first [default: wordfreq]."),
    ] = G["words"],
    n: Annotated[
        int, typer.Option(min=1, help="Boundary cases to generate (plus up to --n-other per other family).")
    ] = G["n"],
    n_other: Annotated[int, typer.Option(min=0, help="Cases per other family: number, unicode, special.")] = G[
        "n_other"
    ],
    n_words: Annotated[int, typer.Option(min=10, help="Most frequent words to combine.")] = G["n_words"],
    seed: Annotated[int, typer.Option(min=0, help="Seed for the number cases.")] = G["seed"],
    tiktoken_pattern: TiktokenPatternOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Build cases from TOKENIZER's vocabulary and a word list; every case is verified before it is written.

    Example: tokkit adversarial generate qwen2.5 --lang zh --n 200 -o cases-zh.jsonl
    """
    from tokkit.workflows.adversarial import generate

    with user_errors():
        result = generate(
            tokenizer, lang, output=output, words=words, n=n, n_other=n_other, n_words=n_words, seed=seed,
            tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code, force=force, feedback=FEEDBACK,
        )  # fmt: skip
    emit(result.summary, fmt, title=f"cases for {tokenizer} ({lang})")


@app.command("evaluate")
def evaluate_cmd(
    tokenizers: Annotated[list[str], typer.Argument(metavar="TOKENIZER...", help="Tokenizers to score.")],
    cases: Annotated[Path, typer.Option(help="cases.jsonl from `tokkit adversarial generate`.")],
    model: Annotated[
        str | None,
        typer.Option(help="A causal LM (directory or .gguf): loss of cases vs controls, with its tokenizer."),
    ] = J["model"],
    max_model_cases: Annotated[int, typer.Option(min=1, help="Cases scored with --model (the first N).")] = J[
        "max_model_cases"
    ],
    fail_above: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Exit 3 when a tokenizer's violation rate is higher.")
    ] = J["fail_above"],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write the table.")] = None,
    tiktoken_pattern: TiktokenPatternOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    allow_pickle: AllowPickleOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Score tokenizers (and optionally a model) on adversarial cases.

    Example: tokkit adversarial evaluate cl100k_base qwen2.5 --cases cases-zh.jsonl --fail-above 0.5
    """
    from tokkit.workflows.adversarial import judge

    with user_errors():
        result = judge(
            tokenizers, cases, model=model, max_model_cases=max_model_cases, fail_above=fail_above, output=output,
            tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle,
            force=force, feedback=FEEDBACK,
        )  # fmt: skip
    emit(result.table, fmt, title="adversarial segmentation")
    if result.gate_failed:
        info(f"gate failed: violation rate {result.worst_violation_rate:.3f} > {fail_above}")
        raise typer.Exit(ExitCode.CHECK_FAILED)
