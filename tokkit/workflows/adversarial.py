"""`tokkit adversarial generate|evaluate` as functions: build verified cases, judge tokenizers on them.

In the Python API this module is `tokkit.adversarial`: `adversarial.generate(...)`,
`adversarial.judge(...)`. `verdict_rows` is the one loop that judges every case under every
tokenizer (the CLI, `tokkit report` and benchmarks/adversarial.py use it); `model_rows` the one
loop that scores cases with a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tokkit.attacks.cases import Case
from tokkit.workflows.defaults import defaults_of
from tokkit.workflows.feedback import SILENT, Feedback

if TYPE_CHECKING:
    import pandas as pd

    from tokkit.io.models import LoadedModel
    from tokkit.tokenizer import Tokenizer

__all__ = [
    "GENERATE_DEFAULTS",
    "JUDGE_DEFAULTS",
    "Case",
    "GenerateResult",
    "JudgeResult",
    "generate",
    "judge",
    "model_rows",
    "verdict_rows",
]

MODEL_FAMILIES = ("boundary", "number")  # the families a model scores (they have a spaced control)


def _ignore(n: int = 1) -> None:
    return None


@dataclass(frozen=True)
class GenerateResult:
    """The verified cases, a summary per family (`family`, `n_cases`, `with_trap_word`), the
    generator's counters (`candidates`, `superword_only`, …), notes, and the files written."""

    cases: tuple[Case, ...]
    summary: pd.DataFrame
    stats: dict[str, int]
    notes: tuple[str, ...]
    written: tuple[Path, ...]


@dataclass(frozen=True)
class JudgeResult:
    """`violations`: `tables.ADVERSARIAL_COLUMNS` per tokenizer × language × family (and `all`);
    `model_scores`: `tables.MODEL_COLUMNS` when a model was given; `table` is the one the CLI
    prints (the model's when there is one); `gate_failed` when the worst overall violation rate
    is above `fail_above`."""

    table: pd.DataFrame
    violations: pd.DataFrame
    model_scores: pd.DataFrame | None
    worst_violation_rate: float
    gate_failed: bool
    written: tuple[Path, ...]


def verdict_rows(
    tokenizers: Sequence[Tokenizer], cases: Sequence[Case], on_progress: Callable[[int], None] = _ignore
) -> list[dict[str, object]]:
    """Every case judged under every tokenizer (tokenizer-major): one row with `tokenizer`, `lang`,
    `family`, `violated`, `n_spanning` each (the input of `tables.adversarial_table`)."""
    from tokkit.attacks.score import judge as judge_case

    rows: list[dict[str, object]] = []
    for tok in tokenizers:
        for case in cases:
            verdict = judge_case(tok, case)
            rows.append({"tokenizer": tok.name, "lang": case.lang, "family": case.family,
                         "violated": verdict.violated, "n_spanning": verdict.n_spanning})  # fmt: skip
            on_progress(1)
    return rows


def model_rows(
    lm: LoadedModel, cases: Sequence[Case], name: str, on_progress: Callable[[int], None] = _ignore
) -> list[dict[str, object]]:
    """Each case scored with the model and its own tokenizer, after its bos (else eos) token: bits
    per byte of the case and its control, and the two reading tests (the input of `tables.model_table`)."""
    from tokkit.attacks.score import score_with_model
    from tokkit.io.models import special_roles

    roles = special_roles(lm.tokenizer, lm.model.config)
    start = roles.get("bos", roles.get("eos"))
    rows: list[dict[str, object]] = []
    for case in cases:
        s = score_with_model(lm.model, lm.tokenizer, case, start)
        rows.append({"model": name, "lang": case.lang, "family": case.family,
                     "case_bpb": s.case_bpb, "control_bpb": s.control_bpb,
                     "wrong_reading_preferred": s.wrong_reading_preferred,
                     "split_better": s.split_better})  # fmt: skip
        on_progress(1)
    return rows


def generate(
    tokenizer: str | Tokenizer,
    lang: str,
    *,
    output: Path | None = None,
    words: Path | None = None,
    n: int = 500,
    n_other: int = 20,
    n_words: int = 5000,
    seed: int = 0,
    tiktoken_pattern: str | None = None,
    trust_remote_code: bool = False,
    force: bool = False,
    feedback: Feedback = SILENT,
) -> GenerateResult:
    """Build cases from a tokenizer's vocabulary and a word list; every case is verified.

    `lang` is a wordfreq-style code (`en`, `zh`, `tr`; the cases carry its normalised tag,
    `eng`); `words` a word list file (one per line, most frequent first) instead of wordfreq's
    `n_words` most frequent words (whose top 100 are then left out of boundary pairs). `n`
    boundary cases, plus up to `n_other` number, unicode and special cases each; `seed` drives
    the number cases. With `output`, the cases are written as JSON lines with a sidecar.

    >>> result = generate("cl100k_base", "en", n=20, n_other=2)
    >>> print(result.summary.to_string(index=False))
      family  n_cases  with_trap_word
    boundary       20               9
      number        2               0
     special        2               0
     unicode        2               0
    >>> case = result.cases[0]
    >>> case.text, case.intended_units, case.spanning_tokens
    ('#wheredid', ['where', 'did'], ['ered'])
    """
    import pandas as pd

    from tokkit.attacks.generate import STOPWORDS, check_vocabulary
    from tokkit.attacks.generate import generate as generate_cases
    from tokkit.io.reports import check_output, write_jsonl, write_sidecar
    from tokkit.io.wordlists import top_words
    from tokkit.languages import normalize_lang

    if output is not None:
        check_output(output, force=force)
    tok = _load(tokenizer, tiktoken_pattern, trust_remote_code)
    check_vocabulary(tok)
    word_list = top_words(lang, n_words, words)
    stats: dict[str, int] = {}
    with feedback.progress("generating cases", total=None):
        skip = 0 if words is not None else STOPWORDS
        cases = generate_cases(tok, normalize_lang(lang), word_list, n=n, seed=seed, n_other=n_other, skip_top=skip,
                               stats=stats)  # fmt: skip
    written: tuple[Path, ...] = ()
    if output is not None:
        write_jsonl([c.record() for c in cases], output, force=force)
        name = tokenizer if isinstance(tokenizer, str) else tok.name
        params = {"tokenizer": name, "lang": lang, "words": str(words) if words else "wordfreq", "n": n,
                  "n_other": n_other, "n_words": n_words}  # fmt: skip
        inputs = [p for p in (words,) if p is not None] + list(tok.files)
        write_sidecar(output, params=params, inputs=inputs, seeds={"seed": seed}, outputs=[output], force=force)
        feedback.info(f"{len(cases)} cases written to {output}")
        written = (output,)
    notes = []
    if stats.get("superword_only"):
        notes.append(f"{stats['superword_only']} pairs dropped: their crossing tokens cover whole words (superwords)")
    n_boundary = sum(c.family == "boundary" for c in cases)
    if n_boundary < n:
        notes.append(f"only {n_boundary} of the {n} boundary cases asked for: the vocabulary and the {n_words} words "
                     f"allow no more ({stats.get('candidates', 0)} pairs tried); try a larger --n-words")  # fmt: skip
    for message in notes:
        feedback.note(message)
    counts = pd.DataFrame([{"family": c.family, "trap": c.trap_word is not None} for c in cases])
    summary = (
        counts.groupby("family").agg(n_cases=("trap", "size"), with_trap_word=("trap", "sum")).reset_index()
        if len(counts)
        else pd.DataFrame(columns=["family", "n_cases", "with_trap_word"])
    )
    return GenerateResult(tuple(cases), summary, stats, tuple(notes), written)


def judge(
    tokenizers: Sequence[str | Tokenizer],
    cases: Path | Sequence[Case],
    *,
    model: str | None = None,
    max_model_cases: int = 200,
    fail_above: float | None = None,
    output: Path | None = None,
    tiktoken_pattern: str | None = None,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    force: bool = False,
    feedback: Feedback = SILENT,
) -> JudgeResult:
    """Score tokenizers (and optionally a causal LM) on adversarial cases.

    `cases` is a cases.jsonl (from `generate`) or the cases themselves. With `model` (a
    directory or .gguf), its first `max_model_cases` boundary and number cases are scored with
    the model: per-byte loss of case vs control, with paired tests. With `output`, `table` is
    written with a sidecar. docs/adversarial.md defines every column.

    >>> cases = generate("cl100k_base", "en", n=20, n_other=2).cases
    >>> result = judge(["cl100k_base", "qwen2.5"], cases, fail_above=0.5)
    >>> overall = result.violations[result.violations.family == "all"]
    >>> print(overall[["tokenizer", "n_cases", "violation_rate"]].to_string(index=False))
      tokenizer  n_cases  violation_rate
    cl100k_base       26        1.000000
        qwen2.5       26        0.884615
    >>> result.gate_failed, result.worst_violation_rate
    (True, 1.0)
    """
    from tokkit.errors import InputError
    from tokkit.io.reports import check_output, write_sidecar, write_table
    from tokkit.tables import adversarial_table, model_table

    if output is not None:
        check_output(output, force=force)
    items = _read_cases(cases) if isinstance(cases, Path) else list(cases)
    loaded = [_load(t, tiktoken_pattern, trust_remote_code) for t in tokenizers]
    with feedback.progress("scoring cases", total=len(items) * len(loaded)) as advance:
        rows = verdict_rows(loaded, items, advance)
    violations = adversarial_table(rows)
    table, scores = violations, None
    if model is not None:
        from tokkit.io.models import load_model

        lm = load_model(model, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle)
        subset = [c for c in items if c.family in MODEL_FAMILIES][:max_model_cases]
        with feedback.progress("scoring with the model", total=len(subset)) as advance:
            scored = model_rows(lm, subset, Path(model).name, advance)
        if not scored:
            raise InputError(f"{cases} has no boundary or number cases to score with a model")
        table = scores = model_table(scored)
    written: tuple[Path, ...] = ()
    if output is not None:
        write_table(table, output, force=force)
        params = {"tokenizers": [t if isinstance(t, str) else t.name for t in tokenizers], "cases": str(cases),
                  "model": model, "fail_above": fail_above}  # fmt: skip
        write_sidecar(output, params=params, inputs=[cases] if isinstance(cases, Path) else [], outputs=[output],
                      force=force)  # fmt: skip
        written = (output,)
    worst = float(violations[violations.family == "all"].violation_rate.max())
    failed = fail_above is not None and worst > fail_above
    return JudgeResult(table, violations, scores, worst, failed, written)


GENERATE_DEFAULTS = defaults_of(generate)  # the CLI's option defaults
JUDGE_DEFAULTS = defaults_of(judge)


def _load(spec: str | Tokenizer, tiktoken_pattern: str | None, trust_remote_code: bool) -> Tokenizer:
    from tokkit.io.tokenizers import load_tokenizer

    if isinstance(spec, str):
        return load_tokenizer(spec, tiktoken_pattern=tiktoken_pattern, trust_remote_code=trust_remote_code)
    return spec


def _read_cases(path: Path) -> list[Case]:
    """The cases of a cases.jsonl; one clear error when a record is not a case."""
    from tokkit.errors import InputError
    from tokkit.io.reports import read_jsonl

    records = read_jsonl(path)
    try:
        return [Case.from_record(r) for r in records]
    except (TypeError, ValueError) as e:
        raise InputError(
            f"{path} is not a cases file ({e})", hint="make one with `tokkit adversarial generate`"
        ) from None
