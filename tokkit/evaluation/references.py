"""Which reference language each corpus's premiums are against, and the language checks that go with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tokkit.evaluation.lang_counts import LangCounts


class Corpus(Protocol):
    """What these checks read of a corpus (`tokkit.io.corpora.Corpus` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def line_counts(self) -> dict[str, int]: ...
    @property
    def is_parallel(self) -> bool: ...


def references(corpora: Sequence[Corpus], reference: str | None) -> dict[str, str]:
    """The reference language of each corpus that gets premiums, by corpus name.

    `--reference` resolves as documented in docs/evaluate.md (`eng` finds `eng_Latn`; a value
    that names several languages is an error) and must be in every corpus, which must be parallel.
    Without it, `eng` (or the one `eng_<Script>`) of each parallel corpus that has it.
    """
    from tokkit.errors import IncompatibleInputsError, InputError
    from tokkit.languages import LanguageError, resolve_reference

    refs = {}
    for c in corpora:
        if reference is None and not c.is_parallel:
            continue
        try:
            found = resolve_reference(reference or "eng", c.line_counts)
        except LanguageError as e:
            raise InputError(
                f"{e} in corpus {c.name}", hint=f"pass one of them: --reference {e.candidates[0]}"
            ) from None
        if reference is not None and found is None:
            raise InputError(
                f"reference language {reference!r} is not in corpus {c.name}",
                hint=f"languages there: {', '.join(sorted(c.line_counts)) or 'none'}",
            )
        if reference is not None and not c.is_parallel:
            listed = ", ".join(f"{k}={v}" for k, v in sorted(c.line_counts.items()))
            raise IncompatibleInputsError(
                f"premiums need a parallel corpus, but {c.name} has unequal line counts ({listed})",
                hint="align the files line by line, or drop --reference",
            )
        if found is not None and c.is_parallel:
            refs[c.name] = found
    return refs


def check_column_languages(counts: list[LangCounts]) -> None:
    """Languages read from a .jsonl/.parquet language column follow the file rule too: `zho` and
    `zho_Hans` in one corpus name the same text (an error)."""
    from tokkit.errors import InputError
    from tokkit.languages import clashes

    for corpus in sorted({c.corpus for c in counts}):
        found = clashes(sorted({c.lang for c in counts if c.corpus == corpus}))
        if found:
            a, b = found[0]
            raise InputError(
                f"corpus {corpus} has text for language {a} and for {b}, which name the same language",
                hint="label the records with one spelling, or name scripts apart (zho_Hans, zho_Hant)",
            )


def one_reference(refs: dict[str, str]) -> str | dict[str, str] | None:
    """The reference for the sidecar: one tag when every corpus uses the same (or none)."""
    tags = set(refs.values())
    if len(tags) > 1:
        return refs
    return next(iter(tags), None)
