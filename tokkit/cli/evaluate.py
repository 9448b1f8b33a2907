"""`tokkit evaluate`: compression, fertility, premiums and efficiency of tokenizers on corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import (
    ForceOpt,
    FormatOpt,
    OutputFileOpt,
    TiktokenPatternOpt,
    TrustRemoteCodeOpt,
)
from tokkit.cli._output import OutputFormat, emit, info, note, progress, user_errors

TABLE_COLUMNS = [
    "tokenizer", "lang", "n_tokens", "bytes_per_token", "fertility", "split_word_share", "unk_share",
    "vocab_used", "renyi_efficiency", "token_premium", "mb_per_s",
]  # fmt: skip


def evaluate_cmd(
    tokenizers: Annotated[
        list[str],
        typer.Argument(
            metavar="TOKENIZER...",
            help="tokenizer.json, tokenizer directory, .model, .tiktoken, tekken .json, .gguf, "
            "an offline name (cl100k_base, tekken, mistral-v1, qwen2.5, llama-3, deepseek-v3, minilm) or a hub id.",
        ),
    ],
    corpus: Annotated[
        list[Path],
        typer.Option(
            "--corpus", "-c", help="A text file, a directory of <lang>.txt files, or .jsonl/.parquet (repeatable)."
        ),
    ],
    reference: Annotated[
        str | None,
        typer.Option(help="Reference language for token premiums [default: eng when the corpus is parallel]."),
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language of a single-file corpus [default: the file name].")] = None,
    text_column: Annotated[str, typer.Option(help="Text column of .jsonl/.parquet corpora.")] = "text",
    lang_column: Annotated[str, typer.Option(help="Language column of .jsonl/.parquet corpora, if any.")] = "lang",
    alpha: Annotated[float, typer.Option(min=0.0, help="Order α of the Rényi efficiency (1 = Shannon).")] = 2.5,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputFileOpt = None,
    plot: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write a PNG of the token premium per language.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Lines encoded per batch.")] = 2048,
    tiktoken_pattern: TiktokenPatternOpt = None,
    trust_remote_code: TrustRemoteCodeOpt = False,
    force: ForceOpt = False,
) -> None:
    """Measure tokenizers on corpora: token counts, premiums, fertility, compression, Rényi efficiency.

    Example: tokkit evaluate cl100k_base tekken --corpus corpora/parallel --plot premiums.png
    """
    from tokkit.errors import IncompatibleInputsError, InputError
    from tokkit.evaluate.runner import count_tokens
    from tokkit.io.corpora import open_corpus
    from tokkit.io.reports import check_output, save_figure, table_format_for, write_sidecar, write_table
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.languages import normalize_lang
    from tokkit.report import evaluation_table

    with user_errors():
        if output is not None:
            table_format_for(output)
            check_output(output, force=force)
        if plot is not None:
            check_output(plot, force=force)
        corpora = [open_corpus(p, lang=lang, text_column=text_column, lang_column=lang_column) for p in corpus]
        ref = normalize_lang(reference) if reference else None
        for c in corpora:
            if ref is not None and ref not in c.line_counts:
                raise InputError(
                    f"reference language {reference!r} is not in corpus {c.name}",
                    hint=f"languages there: {', '.join(sorted(c.line_counts)) or 'none'}",
                )
            if ref is not None and not c.is_parallel:
                listed = ", ".join(f"{k}={v}" for k, v in sorted(c.line_counts.items()))
                raise IncompatibleInputsError(
                    f"premiums need a parallel corpus, but {c.name} has unequal line counts ({listed})",
                    hint="align the files line by line, or drop --reference",
                )
        if ref is None:
            ref = "eng" if any(c.is_parallel and "eng" in c.line_counts for c in corpora) else None
        for c in corpora:
            if len(c.line_counts) >= 2 and not c.is_parallel:
                note(f"{c.name}: files have unequal line counts, so it is not parallel: no premiums")
        loaded = []
        names: set[str] = set()
        for spec in tokenizers:
            tok = load_tokenizer(spec, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
            base, k = tok.name, 2
            while tok.name in names:
                tok.name, k = f"{base}#{k}", k + 1
            names.add(tok.name)
            loaded.append(tok)
        all_counts = []
        for c in corpora:
            for tok in loaded:
                with progress(f"{tok.name} on {c.name}", total=c.n_bytes, unit_bytes=True) as advance:
                    all_counts += count_tokens(tok, c, batch_size=batch_size, on_progress=advance)
        unspaced = sorted({x.lang for x in all_counts if x.word_unit == "character"})
        if unspaced:
            info(f"{', '.join(unspaced)}: written without spaces, so words are counted per character")
        result = evaluation_table(
            all_counts, reference=ref, parallel={c.name: c.is_parallel for c in corpora}, alpha=alpha
        )
        for message in result.notes:
            note(message)
        written = []
        if output is not None:
            write_table(result.table, output, force=force)
            written.append(output)
        if plot is not None:
            if ref is None or result.table["token_premium"].isna().all():
                raise InputError(
                    "--plot draws token premiums, which need a parallel corpus with the reference language"
                )
            from tokkit.plots import premium_figure

            save_figure(premium_figure(result.table, reference=ref), plot, force=force)
            written.append(plot)
        if written:
            inputs = [f.path for c in corpora for f in c.files] + [p for t in loaded for p in t.files]
            params = {
                "tokenizers": tokenizers, "corpus": [str(p) for p in corpus], "reference": ref, "lang": lang,
                "alpha": alpha, "batch_size": batch_size, "text_column": text_column, "lang_column": lang_column,
                "tiktoken_pattern": tiktoken_pattern,
            }  # fmt: skip
            write_sidecar(written[0], params=params, inputs=inputs, outputs=written, force=force)
    emit(result.table, fmt, title="tokkit evaluate", columns=TABLE_COLUMNS)
