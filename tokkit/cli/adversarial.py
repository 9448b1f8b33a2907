"""`tokkit adversarial generate|evaluate`: adversarial segmentation cases (ADT-style)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import AllowPickleOpt, ForceOpt, FormatOpt, TiktokenPatternOpt, TrustRemoteCodeOpt
from tokkit.cli._output import ExitCode, OutputFormat, emit, info, note, progress, user_errors

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
    ] = None,
    n: Annotated[
        int, typer.Option(min=1, help="Boundary cases to generate (plus up to --n-other per other family).")
    ] = 500,
    n_other: Annotated[int, typer.Option(min=0, help="Cases per other family: number, unicode, special.")] = 20,
    n_words: Annotated[int, typer.Option(min=10, help="Most frequent words to combine.")] = 5000,
    seed: Annotated[int, typer.Option(min=0, help="Seed for the number cases.")] = 0,
    tiktoken_pattern: TiktokenPatternOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Build cases from TOKENIZER's vocabulary and a word list; every case is verified before it is written.

    Example: tokkit adversarial generate qwen2.5 --lang zh --n 200 -o cases-zh.jsonl
    """
    import pandas as pd

    from tokkit.attacks.generate import STOPWORDS, check_vocabulary, generate
    from tokkit.io.reports import check_output, write_jsonl, write_sidecar
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.io.wordlists import top_words
    from tokkit.languages import normalize_lang

    with user_errors():
        check_output(output, force=force)
        tok = load_tokenizer(tokenizer, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
        check_vocabulary(tok)
        word_list = top_words(lang, n_words, words)
        stats: dict[str, int] = {}
        with progress("generating cases", total=None):
            skip = 0 if words is not None else STOPWORDS
            cases = generate(tok, normalize_lang(lang), word_list, n=n, seed=seed, n_other=n_other, skip_top=skip,
                             stats=stats)  # fmt: skip
        write_jsonl([c.record() for c in cases], output, force=force)
        params = {"tokenizer": tokenizer, "lang": lang, "words": str(words) if words else "wordfreq", "n": n,
                  "n_other": n_other, "n_words": n_words}  # fmt: skip
        inputs = [p for p in (words,) if p is not None] + list(tok.files)
        write_sidecar(output, params=params, inputs=inputs, seeds={"seed": seed}, outputs=[output], force=force)
        info(f"{len(cases)} cases written to {output}")
    n_boundary = sum(c.family == "boundary" for c in cases)
    if stats.get("superword_only"):
        note(f"{stats['superword_only']} pairs dropped: their crossing tokens cover whole words (superwords)")
    if n_boundary < n:
        note(f"only {n_boundary} of the {n} boundary cases asked for: the vocabulary and the {n_words} words "
             f"allow no more ({stats.get('candidates', 0)} pairs tried); try a larger --n-words")  # fmt: skip
    counts = pd.DataFrame([{"family": c.family, "trap": c.trap_word is not None} for c in cases])
    summary = (
        counts.groupby("family").agg(n_cases=("trap", "size"), with_trap_word=("trap", "sum")).reset_index()
        if len(counts)
        else pd.DataFrame(columns=["family", "n_cases", "with_trap_word"])
    )
    emit(summary, fmt, title=f"cases for {tokenizer} ({lang})")


@app.command("evaluate")
def evaluate_cmd(
    tokenizers: Annotated[list[str], typer.Argument(metavar="TOKENIZER...", help="Tokenizers to score.")],
    cases: Annotated[Path, typer.Option(help="cases.jsonl from `tokkit adversarial generate`.")],
    model: Annotated[
        str | None,
        typer.Option(help="A causal LM (directory or .gguf): loss of cases vs controls, with its tokenizer."),
    ] = None,
    max_model_cases: Annotated[int, typer.Option(min=1, help="Cases scored with --model (the first N).")] = 200,
    fail_above: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Exit 3 when a tokenizer's violation rate is higher.")
    ] = None,
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
    from tokkit.attacks.cases import Case
    from tokkit.attacks.score import judge, score_with_model
    from tokkit.errors import InputError
    from tokkit.io.models import load_model, special_roles
    from tokkit.io.reports import check_output, read_jsonl, write_sidecar, write_table
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.tables import adversarial_table, model_table

    with user_errors():
        if output is not None:
            check_output(output, force=force)
        records = read_jsonl(cases)
        try:
            items = [Case.from_record(r) for r in records]
        except (TypeError, ValueError) as e:
            raise InputError(
                f"{cases} is not a cases file ({e})", hint="make one with `tokkit adversarial generate`"
            ) from None
        loaded = [
            load_tokenizer(t, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
            for t in tokenizers
        ]
        rows = []
        with progress("scoring cases", total=len(items) * len(loaded)) as advance:
            for tok in loaded:
                for case in items:
                    verdict = judge(tok, case)
                    rows.append({"tokenizer": tok.name, "lang": case.lang, "family": case.family,
                                 "violated": verdict.violated, "n_spanning": verdict.n_spanning})  # fmt: skip
                    advance(1)
        table = adversarial_table(rows)
        if model is not None:
            lm = load_model(model, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle)
            roles = special_roles(lm.tokenizer, lm.model.config)
            start = roles.get("bos", roles.get("eos"))
            scored = []
            subset = [c for c in items if c.family in ("boundary", "number")][:max_model_cases]
            with progress("scoring with the model", total=len(subset)) as advance:
                for case in subset:
                    s = score_with_model(lm.model, lm.tokenizer, case, start)
                    scored.append({"model": Path(model).name, "lang": case.lang, "family": case.family,
                                   "case_bpb": s.case_bpb, "control_bpb": s.control_bpb,
                                   "wrong_reading_preferred": s.wrong_reading_preferred,
                                   "split_better": s.split_better})  # fmt: skip
                    advance(1)
            if not scored:
                raise InputError(f"{cases} has no boundary or number cases to score with a model")
            table = model_table(scored)
        if output is not None:
            write_table(table, output, force=force)
            params = {"tokenizers": tokenizers, "cases": str(cases), "model": model, "fail_above": fail_above}
            write_sidecar(output, params=params, inputs=[cases], outputs=[output], force=force)
    emit(table, fmt, title="adversarial segmentation")
    if fail_above is not None:
        rates = adversarial_table(rows)
        worst = rates[rates.family == "all"].violation_rate.max()
        if worst > fail_above:
            info(f"gate failed: violation rate {worst:.3f} > {fail_above}")
            raise typer.Exit(ExitCode.CHECK_FAILED)
