"""`tokkit transplant`: give a pretrained causal LM a new tokenizer, and measure what survived."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import AllowPickleOpt, ForceOpt, FormatOpt, TrustRemoteCodeOpt
from tokkit.cli._output import OutputFormat, emit, info, note, user_errors
from tokkit.transplant.config import DEFAULT_EVAL_TEXT, Embedder, Method, TransplantConfig

D = TransplantConfig()  # every default is declared once, there


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
    trust_remote_code: TrustRemoteCodeOpt = False,
    allow_pickle: AllowPickleOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Put a new tokenizer into a pretrained model (OMP, subword-mean, mean, zero, random).

    Example: tokkit transplant SmolLM2.gguf --tokenizer out/bpe --method subword-mean -o out/smollm2-bpe
    """

    import pandas as pd

    from tokkit.errors import InputError, OutputExistsError
    from tokkit.io.reports import run_meta, write_dir_atomic
    from tokkit.transplant.pipeline import transplant
    from tokkit.transplant.result import TransplantResult

    with user_errors():
        if output.exists() and not output.is_dir():
            raise InputError(f"output {output} is a file, expected a directory")
        if output.exists() and not force:
            raise OutputExistsError(f"output {output} already exists", hint="pass --force to replace it")
        if device not in {"cpu", "cuda"} and not device.startswith("cuda:"):
            raise InputError(f"--device {device!r}: use cpu or cuda")
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise InputError("--device cuda: no CUDA device is available here", hint="use --device cpu")
        text = None if no_eval else (eval_text or DEFAULT_EVAL_TEXT)
        if text is not None and not text.is_file():
            raise InputError(f"--eval-text {text} does not exist")
        config = TransplantConfig(method=method, k=k, seed=seed, device=device, embedder=embedder)
        notes: list[str] = []
        holder: dict[str, object] = {}

        def fill(directory: Path) -> None:
            report = transplant(
                base_model, tokenizer, directory, config, donor_spec=donor, eval_text=text,
                trust_remote_code=trust_remote_code, allow_pickle=allow_pickle, notes=notes,
            )  # fmt: skip
            params = {
                "base_model": base_model, "tokenizer": tokenizer, "method": method.value, "donor": donor, "k": k,
                "embedder": embedder.value, "device": device, "eval_text": str(text) if text else None,
            }  # fmt: skip
            files = [Path(p) for p in (base_model, tokenizer, donor, text) if p and Path(p).is_file()]
            (directory / "tokkit.meta.json").write_bytes(run_meta(params=params, inputs=files, seeds={"seed": seed},
                                                                  outputs=[output]))  # fmt: skip
            holder["report"] = report

        write_dir_atomic(output, fill, force=force)
    report = holder["report"]
    assert isinstance(report, TransplantResult)
    for message in notes:
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
    emit(pd.DataFrame([row]), fmt, title="tokkit transplant")
