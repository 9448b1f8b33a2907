"""Merge counts of shards exactly.

Every count in `LangCounts` is a sum over lines (a line's tokens, words, bytes and token ids
depend on that line alone), so the counts of any partition of a corpus's lines, summed per
tokenizer × corpus × language, are the counts of the whole corpus, and so are every metric and
premium derived from them. Only `encode_seconds` is a measurement rather than a count: it is
summed too, so throughput after a merge is total bytes over total encode time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from tokkit.evaluation.lang_counts import LangCounts

KEY_FIELDS = ("tokenizer", "corpus", "lang")  # what one merged record is for
SAME_FIELDS = ("word_unit",)  # fixed by the language: must agree
MAX_FIELDS = ("vocab_size",)  # the tokenizer's size, grown to the largest id seen


def merge_counts(counts: Iterable[LangCounts]) -> list[LangCounts]:
    """One `LangCounts` per (tokenizer, corpus, lang), in the order the keys first appear.

    `n_*` counts and `encode_seconds` are summed, `token_counts` arrays are summed after
    padding to the longest, `vocab_size` is the largest. Inputs are not changed. A field this
    function does not know how to merge is a ValueError, never a silent wrong number.

    Example: shards with (n_tokens=3, token_counts=[1, 2]) and (n_tokens=4, token_counts=[0, 1, 3])
    of one language merge to n_tokens=7, token_counts=[1, 3, 3].
    """
    groups: dict[tuple[str, str, str], list[LangCounts]] = {}
    for c in counts:
        groups.setdefault((c.tokenizer, c.corpus, c.lang), []).append(c)
    return [parts[0] if len(parts) == 1 else _merge(parts) for parts in groups.values()]


def _merge(parts: list[LangCounts]) -> LangCounts:
    changes: dict[str, object] = {}
    for f in dataclasses.fields(LangCounts):
        values = [getattr(p, f.name) for p in parts]
        if f.name in KEY_FIELDS:
            continue
        if f.name in SAME_FIELDS:
            if len(set(values)) > 1:
                key = ", ".join(getattr(parts[0], k) for k in KEY_FIELDS)
                raise ValueError(f"cannot merge counts of {key}: {f.name} differs ({', '.join(sorted(set(values)))})")
        elif f.name in MAX_FIELDS:
            changes[f.name] = max(values)
        elif f.name.startswith("n_"):
            changes[f.name] = sum(values)
        elif f.name == "encode_seconds":
            changes[f.name] = float(sum(values))
        elif f.name == "token_counts":
            total = np.zeros(max(v.size for v in values), dtype=np.int64)  # (V,)
            for v in values:
                total[: v.size] += v
            changes[f.name] = total
        else:
            raise ValueError(f"merge_counts does not know how to merge LangCounts.{f.name}")
    return dataclasses.replace(parts[0], **changes)  # type: ignore[arg-type]
