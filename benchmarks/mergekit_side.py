"""Run inside mergekit's own venv by transplant_methods.py (mergekit is not a tokkit dependency).

    VENV/bin/python benchmarks/mergekit_side.py align BASE_DIR DONOR_DIR OUT_DIR
    VENV/bin/python benchmarks/mergekit_side.py omp ARRAYS_DIR K

`align` writes mergekit-tokensurgeon's own token matching, exactly as its OMP path builds it
(`normalized_vocabulary` of both tokenizers; anchors = the shared normalised tokens sorted by
donor id; targets = donor tokens without an exact match, in donor-vocabulary order):
shared_donor.npy, shared_base.npy, targets_donor.npy (int64).

`omp` runs mergekit's `batch_omp` on ARRAYS_DIR/targets.npy (B, D) over ARRAYS_DIR/anchors.npy
(N, D), in batches of 512 as tokensurgeon does, and writes mk_indices.npy, mk_coeffs.npy and
mk_seconds.txt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch


def align(base: str, donor: str, out: Path) -> None:
    import transformers
    from mergekit.tokenizer.normalization import normalized_vocabulary

    orig_vocab = normalized_vocabulary(transformers.AutoTokenizer.from_pretrained(base))
    donor_vocab = normalized_vocabulary(transformers.AutoTokenizer.from_pretrained(donor))
    shared = sorted(set(orig_vocab) & set(donor_vocab), key=lambda t: donor_vocab[t])
    targets = [i for t, i in donor_vocab.items() if t not in orig_vocab]  # build_embedding_matrix's order
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "shared_donor.npy", np.array([donor_vocab[t] for t in shared], dtype=np.int64))
    np.save(out / "shared_base.npy", np.array([orig_vocab[t] for t in shared], dtype=np.int64))
    np.save(out / "targets_donor.npy", np.array(targets, dtype=np.int64))
    print(f"mergekit alignment: {len(shared)} shared, {len(targets)} to approximate")


def omp(arrays: Path, k: int) -> None:
    from mergekit.tokensurgeon import batch_omp

    targets = torch.from_numpy(np.load(arrays / "targets.npy"))
    anchors = torch.from_numpy(np.load(arrays / "anchors.npy"))
    t0 = time.perf_counter()
    parts = [batch_omp(targets[s : s + 512], anchors, k) for s in range(0, len(targets), 512)]
    seconds = time.perf_counter() - t0
    np.save(arrays / "mk_indices.npy", torch.cat([p[0] for p in parts]).numpy())
    np.save(arrays / "mk_coeffs.npy", torch.cat([p[1] for p in parts]).numpy())
    (arrays / "mk_seconds.txt").write_text(f"{seconds}\n")


if __name__ == "__main__":
    if sys.argv[1] == "align":
        align(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
    else:
        omp(Path(sys.argv[2]), int(sys.argv[3]))
