"""`tokkit audit`: under-trained and glitch tokens of a model's vocabulary, confirmed by prompting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tokkit.cli._options import AllowPickleOpt, ForceOpt, FormatOpt, TrustRemoteCodeOpt
from tokkit.cli._output import OutputFormat, emit, info, progress, user_errors
from tokkit.undertrained.config import DEFAULTS, Indicator

SHOWN = ["rank", "id", "token", "text", "indicator", "max_prob", "confirmed", "initialised"]


def _ids(text: str | None) -> tuple[int, ...] | None:
    from tokkit.errors import InputError

    if text is None:
        return None
    try:
        return tuple(int(x) for x in text.replace(",", " ").split())
    except ValueError:
        raise InputError(f"--reference {text!r}: give token ids separated by commas, e.g. 7,8,9") from None


def audit_cmd(
    model: Annotated[str, typer.Argument(help="Model directory, .gguf file, or hub id (online).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Directory for tokens.csv (every row), summary.json and audit.png."),
    ] = None,
    verify: Annotated[
        int, typer.Option(min=0, help="Top-ranked tokens to confirm by asking the model.")
    ] = DEFAULTS.verify,
    percentile: Annotated[
        float, typer.Option(min=0.0, max=100.0, help="Candidates: indicator at or below this percentile.")
    ] = DEFAULTS.percentile,
    confirm_below: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Confirmed: best repeat probability below this.")
    ] = DEFAULTS.confirm_below,
    indicator: Annotated[
        Indicator, typer.Option(help="cosine: unembedding rows vs the unused mean; norm: input row length.")
    ] = DEFAULTS.indicator,
    reference: Annotated[
        str | None,
        typer.Option(help="Ids known to be unused, comma-separated (default: found from the vocabulary and weights)."),
    ] = None,
    top: Annotated[int, typer.Option(min=0, help="Ranked tokens printed on stdout (0: all ranked).")] = 30,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Verification prompts per forward pass.")
    ] = DEFAULTS.batch_size,
    trust_remote_code: TrustRemoteCodeOpt = False,
    allow_pickle: AllowPickleOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    force: ForceOpt = False,
) -> None:
    """Rank every vocabulary entry by how under-trained its row looks, and confirm the top ones.

    Example: tokkit audit ~/.cache/tokkit/bench/smollm2-135m --verify 100 -o out/audit-smollm2
    """
    from tokkit.undertrained.config import AuditSettings
    from tokkit.workflows.audit import audit

    with user_errors():
        settings = AuditSettings(verify=verify, percentile=percentile, confirm_below=confirm_below,
                                 indicator=indicator, reference=_ids(reference), batch_size=batch_size)  # fmt: skip
        result = audit(model, output, settings=settings, trust_remote_code=trust_remote_code,
                       allow_pickle=allow_pickle, force=force, progress=progress)  # fmt: skip
    s = result.summary
    pool = (
        f"{s['n_ok']:,} ordinary tokens" if "initialised" not in s else "the copied (not initialised) ordinary tokens"
    )
    info(
        f"{s['n_candidates']:,} candidates (indicator <= {s['threshold']:.4g}: the lowest {s['percentile']:g}% of "
        f"{pool}); {s['n_confirmed']} of {s['n_verified']} verified confirmed "
        f"(max repeat probability < {s['confirm_below']:g}); reference: {s['n_reference']} {s['reference_source']} rows"
    )
    info(f"{s['n_unreachable']:,} unreachable, {s['n_partial_utf8']:,} partial-UTF-8, {s['n_special']:,} special, "
         f"{s['n_padding']:,} padding rows")  # fmt: skip
    if "initialised" in s:
        healed = "healed" if s["healed"] else "not healed"
        info(
            f"transplant ({healed}): {s['initialised_under_trained']:,} of {s['initialised']:,} initialised rows "
            f"look under-trained; {s['initialised_confirmed']} of {s['initialised_verified']} verified confirmed"
        )
    ranked = result.table[result.table["rank"] > 0].sort_values("rank")
    shown = ranked if top == 0 else ranked.head(top)
    if fmt is OutputFormat.TABLE:
        yes = {True: "yes", False: ""}
        shown = shown.assign(text=shown.text.map(lambda t: repr(t)[1:-1]), confirmed=shown.confirmed.map(yes),
                             initialised=shown.initialised.map(yes))  # fmt: skip
        emit(shown, fmt, title=f"most under-trained tokens of {Path(model).name}", columns=SHOWN)
    else:
        emit(shown.reset_index(drop=True), fmt)
