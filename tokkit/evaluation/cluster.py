"""Count tokens on a Dask cluster: one task per tokenizer × shard, merged exactly per language.

A shard is one file of a corpus (`Corpus.shards`). A worker loads the tokenizer from its spec
(once per worker process), runs `count_tokens` on the shard and sends the `LangCounts` back;
the client merges them per tokenizer × corpus × language (`merge_counts`), so results equal a
single-process run's except `encode_seconds` (summed over shards, on whichever workers ran them).

Workers must have tokkit (and the packages of offline tokenizer names) installed and must see
corpus and tokenizer files at the same absolute paths as the client (a shared file system).
dask is optional (`pip install 'tokkit[dask]'`) and imported only when the engine is used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tokkit.errors import ClusterError
from tokkit.io.dask_cluster import CONNECT_TIMEOUT_S, dask_client
from tokkit.io.dask_cluster import DEFAULT_WORKERS as DEFAULT_WORKERS  # re-exported: the CLI and tests use them here
from tokkit.io.dask_cluster import Engine as Engine
from tokkit.io.dask_cluster import local_cluster as local_cluster
from tokkit.io.dask_cluster import require_dask as require_dask

if TYPE_CHECKING:
    from tokkit.evaluation.runner import LangCounts
    from tokkit.io.corpora import Corpus
    from tokkit.tokenizer import Tokenizer


@dataclass(frozen=True, slots=True)
class TokenizerSpec:
    """What a worker needs to load a tokenizer itself: the spec (a path made absolute, an offline
    name or a hub id) and the loader's options."""

    spec: str
    tiktoken_pattern: str | None = None
    trust_remote_code: bool = False
    fast_counting: bool = False  # the client's tokenizer took the fast path: the workers' must too

    @classmethod
    def for_workers(
        cls, spec: str, *, tiktoken_pattern: str | None, trust_remote_code: bool, fast_counting: bool = False
    ) -> TokenizerSpec:
        path = Path(spec).expanduser()
        return cls(str(path.resolve()) if path.exists() else spec, tiktoken_pattern, trust_remote_code, fast_counting)


# --------------------------------------------------------------------------------------------
# Worker side

_loaded: dict[TokenizerSpec, Tokenizer] = {}
_loading = threading.Lock()


def worker_tokenizer(spec: TokenizerSpec) -> Tokenizer:
    """The tokenizer of `spec`, loaded once per process (encoding does not change it, so the
    worker's threads can share it)."""
    with _loading:
        tok = _loaded.get(spec)
        if tok is None:
            from tokkit.io.tokenizers import load_tokenizer

            tok = load_tokenizer(
                spec.spec, tiktoken_pattern=spec.tiktoken_pattern, trust_remote_code=spec.trust_remote_code
            )
            if spec.fast_counting:
                from tokkit.evaluation.counting import Counting, choose_counting

                choose_counting(tok, Counting.FAST)
            _loaded[spec] = tok
        return tok


def count_shard(spec: TokenizerSpec, shard: Corpus, batch_size: int) -> list[LangCounts]:
    """One task: the counts of one tokenizer on one shard (runs on a worker)."""
    from tokkit.evaluation.runner import count_tokens

    return count_tokens(worker_tokenizer(spec), shard, batch_size=batch_size)


# --------------------------------------------------------------------------------------------
# Client side


def count_on_cluster(
    tokenizers: Sequence[tuple[str, TokenizerSpec]],
    corpora: Sequence[Corpus],
    *,
    scheduler: str | None = None,
    n_workers: int = DEFAULT_WORKERS,
    batch_size: int = 2048,
    timeout: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[LangCounts]:
    """Counts of every (name, spec) tokenizer on every corpus, one task per tokenizer × shard.

    The result is in the local engine's order (corpus by corpus, tokenizer by tokenizer,
    languages sorted), with each record's `tokenizer` set to the given name. `on_progress(1)`
    is called as each task finishes. A worker's TokkitError (a bad shard) is raised here.
    """
    from distributed import KilledWorker, as_completed

    from tokkit.evaluation.shard_sums import merge_counts

    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    per_pair: dict[tuple[int, int], list[LangCounts]] = {}
    with dask_client(scheduler, n_workers=n_workers, timeout=timeout) as client:
        tasks = {}
        for ci, corpus in enumerate(corpora):
            for ti, (_, spec) in enumerate(tokenizers):
                per_pair[(ci, ti)] = []
                for shard in corpus.shards():
                    absolute = replace(shard, files=tuple(replace(f, path=f.path.resolve()) for f in shard.files))
                    tasks[client.submit(count_shard, spec, absolute, batch_size, pure=False)] = (ci, ti)
        try:
            for future in as_completed(tasks):  # type: ignore[no-untyped-call]
                ci, ti = tasks[future]
                name = tokenizers[ti][0]
                per_pair[(ci, ti)] += [replace(c, tokenizer=name) for c in future.result()]
                if on_progress is not None:
                    on_progress(1)
        except KilledWorker as e:
            raise ClusterError(
                f"a dask worker died while counting ({e})",
                hint="workers may be short of memory: lower --batch-size, or give the workers more memory",
            ) from None
    merged: list[LangCounts] = []
    for key in sorted(per_pair):
        merged += sorted(merge_counts(per_pair[key]), key=lambda c: c.lang)
    return merged
