"""One OMP step three ways, and the floor they set for an exact OMP transplant on this machine.

    python benchmarks/omp_step_costs.py [--targets 1024] [--anchors 45571] [--dim 576] [--picked 32]
        [--distinct 17862] [--transplant-targets 3004] [--transplant-anchors 46148] [--k 64]

A step of OMP needs |⟨residual, anchor⟩| for every anchor. Timed on random float32 arrays of the
given shape (the defaults are the Gemma-3-270M ← SmolLM2-135M transplant of
transplant_methods.py: 45,571 anchors, d = 576, 17,862 distinct anchors picked by 1,024 targets):

- dense product residual × anchorsᵀ with torch (the MKL bundled in its wheels) and with numpy
  (OpenBLAS), which is what tokkit runs on the CPU; and in bfloat16 with torch; the argmax
  over the scores with torch and numpy;
- Batch-OMP's update c_t = c_0 − G[:, S] β from cached Gram rows, `--picked` atoms per target,
  as a torch CSR × dense product (t·N multiply-adds per target instead of N·D).

Prints seconds per step, GFLOP/s, and the least time the dense products of a whole transplant
(2 · targets · anchors · d · k flops) take at the fastest dense rate measured here.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1024, help="targets per chunk")
    parser.add_argument("--anchors", type=int, default=45571)
    parser.add_argument("--dim", type=int, default=576)
    parser.add_argument("--picked", type=int, default=32, help="atoms already chosen (t)")
    parser.add_argument("--distinct", type=int, default=17862, help="distinct anchors with a cached Gram row")
    parser.add_argument("--transplant-targets", type=int, default=3004)
    parser.add_argument("--transplant-anchors", type=int, default=46148)
    parser.add_argument("--k", type=int, default=64)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")  # torch's beta notice for CSR tensors
    b, n, d, t = args.targets, args.anchors, args.dim, args.picked
    rng = np.random.default_rng(0)
    anchors = rng.standard_normal((n, d), dtype=np.float32)
    residual = rng.standard_normal((b, d), dtype=np.float32)
    out = np.empty((b, n), dtype=np.float32)
    a_t, r_t, out_t = torch.from_numpy(anchors), torch.from_numpy(residual), torch.from_numpy(out)
    print(f"one OMP step: {b} targets x {n:,} anchors x d={d}, t={t}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    flops = 2 * b * n * d
    dense = {
        "torch (MKL)": best_of(lambda: torch.matmul(r_t, a_t.T, out=out_t), warmup=True),
        "numpy (OpenBLAS)": best_of(lambda: np.matmul(residual, anchors.T, out=out), warmup=True),
    }
    r_bf, a_bf = r_t.bfloat16(), a_t.bfloat16()
    bf16 = best_of(lambda: torch.matmul(r_bf, a_bf.T), repeats=1, warmup=True)  # not a candidate: timed once
    for name, sec in dense.items():
        print(f"  dense residual x anchors^T, {name:<17} {sec:6.3f} s   {flops / sec / 1e9:6.1f} GFLOP/s")
    argmax = {
        "torch": best_of(lambda: out_t.argmax(dim=1), warmup=True),
        "numpy": best_of(lambda: out.argmax(axis=1), warmup=True),
    }
    print(f"  argmax over the (b, N) scores: torch {argmax['torch']:.3f} s, numpy {argmax['numpy']:.3f} s")
    print(f"  dense residual x anchors^T, torch bf16        {bf16:6.3f} s   {flops / bf16 / 1e9:6.1f} GFLOP/s")
    gram = torch.from_numpy(rng.standard_normal((args.distinct, n), dtype=np.float32))
    cols = torch.from_numpy(np.sort(rng.integers(0, args.distinct, size=(b, t)), axis=1)).flatten()
    coef = torch.sparse_csr_tensor(torch.arange(0, b * t + 1, t), cols, torch.randn(b * t), size=(b, args.distinct))
    sec = best_of(lambda: coef @ gram, warmup=True)
    print(f"  Batch-OMP  G[:, S] beta (CSR x dense)      {sec:6.3f} s   {2 * b * t * n / sec / 1e9:6.1f} GFLOP/s "
          f"on {t / d:.0%} of the dense flops")  # fmt: skip
    rate = max(flops / s for s in dense.values())
    total = 2 * args.transplant_targets * args.transplant_anchors * d * args.k
    print(f"whole transplant ({args.transplant_targets:,} targets x {args.transplant_anchors:,} anchors, k={args.k}): "
          f"{total:.3g} flops in dense products, at least {total / rate:.1f} s at {rate / 1e9:.0f} GFLOP/s")  # fmt: skip


if __name__ == "__main__":
    main()
