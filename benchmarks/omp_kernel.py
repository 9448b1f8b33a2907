"""The OMP kernel alone: tokkit's batched OMP at 5,000 targets × 20,000 anchors × d = 576.

    python benchmarks/omp_kernel.py [--targets 5000] [--anchors 20000] [--dim 576] [--k 8 64] [--device cpu]

Prints seconds per k (best of --repeats) and checks a sample of the codes against
scikit-learn's per-target `orthogonal_mp` (same anchors, coefficients within 1e-4), which is
also timed on that sample and extrapolated, giving the ratio line.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=5000)
    parser.add_argument("--anchors", type=int, default=20000)
    parser.add_argument("--dim", type=int, default=576)
    parser.add_argument("--k", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--check", type=int, default=20, help="targets compared with scikit-learn")
    args = parser.parse_args()
    from sklearn.linear_model import orthogonal_mp

    from tokkit.surgery.omp import omp

    g = torch.Generator().manual_seed(0)
    dictionary = torch.randn(args.anchors, args.dim, generator=g)
    targets = torch.randn(args.targets, args.dim, generator=g)
    print(f"OMP kernel: {args.targets} targets x {args.anchors} anchors x d={args.dim}, device {args.device}, "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    for k in args.k:
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            code = omp(targets.to(args.device), dictionary.to(args.device), k)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        ours = min(times)
        t0 = time.perf_counter()
        ref = orthogonal_mp(dictionary.double().numpy().T, targets[: args.check].double().numpy().T, n_nonzero_coefs=k)
        sk = (time.perf_counter() - t0) * args.targets / args.check
        same = sum(
            set(code.indices[i].cpu().tolist()) == set(np.flatnonzero(ref[:, i]).tolist()) for i in range(args.check)
        )
        diff = max(float(np.abs(code.coeffs[i].cpu().double().numpy() - ref[code.indices[i].cpu().numpy(), i]).max())
                   for i in range(args.check))  # fmt: skip
        print(f"k={k:3d}: tokkit {ours:7.2f} s   scikit-learn {sk:8.1f} s (extrapolated from {args.check})   "
              f"same anchors {same}/{args.check}, max coefficient difference {diff:.1e}")  # fmt: skip
        print(f"ratio (scikit-learn / tokkit, k={k}): {sk / ours:.1f}")


if __name__ == "__main__":
    main()
