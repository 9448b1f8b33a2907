"""`tokkit audit` as a function: rank every vocabulary entry of a model by how under-trained its row looks,
confirm the top ones by prompting, and (given an output directory) write tokens.csv, summary.json, audit.png
and tokkit.meta.json atomically. The steps are `undertrained/pipeline.py`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from tokkit.io.reports import (
    check_output_dir,
    table_bytes,
    write_csv_rows,
    write_dir_atomic,
    write_figure,
    write_file,
    write_sidecar,
)
from tokkit.undertrained.config import DEFAULTS, AuditSettings
from tokkit.undertrained.pipeline import AuditResult
from tokkit.workflows.progress import Progress, no_progress


def audit(
    model: str | Path,
    output: str | Path | None = None,
    *,
    settings: AuditSettings = DEFAULTS,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    force: bool = False,
    progress: Progress = no_progress,
) -> AuditResult:
    """Audit every embedding row of `model` (a directory, .gguf file or hub id); `result.table` has one row per
    id (docs/audit.md lists the columns), `result.summary` the counts. Here `base_model` is a model directory
    (the test passes a 2-layer random Llama):

    >>> from tokkit import audit
    >>> from tokkit.undertrained.config import AuditSettings, Indicator
    >>> result = audit(base_model, settings=AuditSettings(verify=5, indicator=Indicator.NORM, reference=(0,)))
    >>> len(result.table) == result.summary["rows"], int(result.table.verified.sum())
    (True, 5)
    """
    import pandas as pd

    from tokkit.undertrained.pipeline import audit as run_steps
    from tokkit.undertrained.verify import TEMPLATES

    spec = str(model)
    out = Path(output) if output is not None else None
    if out is not None:
        check_output_dir(out, force=force)

    def run() -> AuditResult:
        with progress("auditing (verification prompts)", total=settings.verify * len(TEMPLATES)) as advance:
            return run_steps(spec, settings, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle,
                             advance=advance)  # fmt: skip

    if out is None:
        return run()
    holder: list[AuditResult] = []

    def fill(directory: Path) -> None:
        from tokkit.plots import audit_figure

        result = run()
        write_csv_rows(result.table, directory / "tokens.csv")
        write_file(directory / "summary.json", table_bytes(pd.DataFrame([result.summary]), "json"))
        title = f"tokkit audit: {Path(spec).name}"
        fig = audit_figure(result.table, threshold=result.summary["threshold"], title=title)
        write_figure(fig, directory / "audit.png", dpi=120)
        params = {"model": spec, **asdict(settings), "indicator": settings.indicator.value}
        files = [Path(spec)] if Path(spec).is_file() else sorted(Path(spec).glob("*.safetensors"))
        write_sidecar(directory, params=params, inputs=files, outputs=[out], force=True)
        holder.append(result)

    write_dir_atomic(out, fill, force=force)
    return holder[0]
