"""`tokkit train --engine dask`: word counts taken shard by shard on a Dask cluster, summed there.

One task per shard (a corpus file) reads it on a worker and counts the words the algorithm's
trainer learns from (`word_counts.count_texts`); the tables are summed pairwise on the cluster,
so only the total comes back to the driver, which learns the merges or pieces from it
(`runner.train_tokenizer_from_counts`). Workers must see the corpus files at the same absolute
paths as the driver (a shared file system) and have tokkit installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tokkit.errors import ClusterError, InputError
from tokkit.io.dask_cluster import CONNECT_TIMEOUT_S, DEFAULT_WORKERS, dask_client
from tokkit.training.config import TrainConfig
from tokkit.training.word_counts import WordCounts, check_countable

if TYPE_CHECKING:
    from tokkit.io.corpora import Corpus


def count_shard(shard: Corpus, config: TrainConfig) -> WordCounts:
    """One task: the word counts of one shard (runs on a worker; a bad shard is named)."""
    from tokkit.io.corpora import line_source
    from tokkit.training.word_counts import count_texts

    try:
        return count_texts(line_source([shard]), config)
    except OSError as e:
        path = shard.files[0].path if shard.files else shard.name
        raise InputError(f"cannot read corpus shard {path} ({e.strerror or type(e).__name__})") from None


def add_counts(a: WordCounts, b: WordCounts) -> WordCounts:
    """One reduction task: the sum of two tables (runs on a worker)."""
    return a.add(b)


def count_on_cluster(
    corpora: Sequence[Corpus],
    config: TrainConfig,
    *,
    scheduler: str | None = None,
    n_workers: int = DEFAULT_WORKERS,
    timeout: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> WordCounts:
    """The word counts of every shard of the corpora, summed on the cluster (pairwise, as shards finish).

    `on_progress(1)` is called as each shard is counted. A worker's TokkitError (an unreadable or
    non-UTF-8 shard) is raised here, before anything is trained or written.
    """
    from distributed import KilledWorker, as_completed

    check_countable(config)
    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    shards = [
        replace(shard, files=tuple(replace(f, path=f.path.resolve()) for f in shard.files))
        for corpus in corpora
        for shard in corpus.shards()
    ]
    with dask_client(scheduler, n_workers=n_workers, timeout=timeout) as client:
        counted = [client.submit(count_shard, shard, config, pure=False) for shard in shards]
        kinds = dict.fromkeys(counted, "shard")
        done: list[Any] = []
        try:
            queue = as_completed(counted)  # type: ignore[no-untyped-call]
            for future in queue:
                future.result()  # raises a worker's error here
                if kinds.pop(future, None) == "shard" and on_progress is not None:
                    on_progress(1)
                done.append(future)
                if len(done) == 2:  # sum two finished tables on the cluster
                    total = client.submit(add_counts, done.pop(), done.pop(), pure=False)
                    queue.add(total)  # type: ignore[no-untyped-call]
            return WordCounts() if not done else done[0].result()
        except KilledWorker as e:
            raise ClusterError(
                f"a dask worker died while counting words ({e})",
                hint="workers may be short of memory: use smaller shards, or give the workers more memory",
            ) from None
