"""tokkit audit, step by step: load, classify every id, score the rows, rank, verify, summarise."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tokkit.errors import IncompatibleInputsError, InputError
from tokkit.io.models import ROLE_TOKENS, load_model, special_roles
from tokkit.tokenizer import Tokenizer
from tokkit.undertrained.config import AuditSettings, Indicator
from tokkit.undertrained.indicators import (
    candidate_threshold,
    collapsed_rows,
    cosine_distance,
    known_unused,
    precision_at,
    reachable,
    row_norms,
)
from tokkit.undertrained.verify import TEMPLATES, repeat_probabilities


@dataclass(frozen=True, slots=True)
class AuditResult:
    """One row per embedding row (`table`) and the run's counts (`summary`)."""

    table: pd.DataFrame
    summary: dict[str, Any]


def token_kinds(tok: Tokenizer, n_rows: int) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Kind of every row (ok, unreachable, partial_utf8, special, padding), reachability, the
    vocabulary entry and decoded text of each id."""
    v = tok.vocab_size
    names = [tok.id_to_token(i) for i in range(v)]
    texts = [tok.decode([i]) for i in range(v)]
    surfaces = tok.token_bytes()
    enc = tok.encode_batch(texts)
    reach = np.zeros(n_rows, dtype=bool)
    reach[:v] = reachable(enc.ids, enc.lengths)
    kinds = np.full(n_rows, "padding", dtype=object)
    for i in range(v):
        b = surfaces[i] if i < len(surfaces) else None
        if i in tok.special_ids:
            kinds[i] = "special"
        elif b is not None and not _utf8(b):
            kinds[i] = "partial_utf8"
        else:
            kinds[i] = "ok" if reach[i] else "unreachable"
    return kinds, reach, names, texts


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reference_ids(tok: Tokenizer, names: list[str], unembedding: np.ndarray) -> tuple[np.ndarray, str]:
    """Rows known to be unused (`indicators.known_unused`), else the rows that collapsed onto one
    point (`indicators.collapsed_rows`); and which of the two it was."""
    known = known_unused(names, tok.special_ids, tok.token_bytes(), tok.byte_fallback_ids, len(unembedding))
    if known.size:
        return known, "known_unused"
    collapsed = collapsed_rows(unembedding)
    if collapsed.size:
        return collapsed, "collapsed_rows"
    raise InputError(
        "found no rows known to be unused and no collapsed rows to compare with",
        hint="pass --reference with ids you know the model never saw",
    )


def transplant_info(spec: str) -> dict[str, Any] | None:
    """`initialised_ids` and whether the model was healed, from a transplant.json next to the model."""
    report = Path(spec).expanduser() / "transplant.json"  # a model directory's; never a GGUF's neighbour's
    if not report.is_file():
        return None
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{report} is not readable JSON ({e})") from None
    ids = data.get("initialised_ids") if isinstance(data, dict) else None
    if ids is None:
        return None
    return {"initialised_ids": [int(i) for i in ids], "healed": bool(data.get("heal"))}


def matrices(model: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Input embedding and unembedding rows as float32 arrays, and whether they are tied."""
    emb = model.get_input_embeddings()
    if emb is None or getattr(emb, "weight", None) is None:
        raise InputError("the model has no input embedding matrix to audit")
    head = model.get_output_embeddings()
    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    if head is None or getattr(head, "weight", None) is None:
        if not tied:
            raise InputError("the model has no lm_head (output embeddings) to audit", hint="audit a causal LM")
        head = emb
    e_in = emb.weight.detach().float().numpy()
    e_out = head.weight.detach().float().numpy()
    if e_out.shape[0] != e_in.shape[0]:
        raise IncompatibleInputsError(
            f"the model's embedding ({e_in.shape[0]}) and lm_head ({e_out.shape[0]}) rows differ"
        )
    return e_in, e_out, tied or head.weight.data_ptr() == emb.weight.data_ptr()


def start_token(tok: Tokenizer, config: Any) -> int | None:
    """The bos id when it is a real beginning-of-text token (<bos>, <s>, ...), else none."""
    bos = special_roles(tok, config).get("bos")
    return bos if bos is not None and tok.id_to_token(bos) in ROLE_TOKENS["bos"] else None


def audit(
    spec: str,
    settings: AuditSettings,
    *,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    advance: Callable[[int], None] = lambda n: None,
) -> AuditResult:
    """Audit every row of the model `spec`; verify the `settings.verify` top-ranked ordinary tokens
    (`advance` is called once per verification prompt)."""
    t0 = time.perf_counter()
    lm = load_model(spec, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle)
    tok = lm.tokenizer
    e_in, e_out, tied = matrices(lm.model)
    n_rows = len(e_out)
    if tok.vocab_size > n_rows:
        raise IncompatibleInputsError(
            f"the tokenizer has {tok.vocab_size:,} ids but the model only {n_rows:,} embedding rows",
            hint="audit a model together with its own tokenizer",
        )
    kinds, reach, names, texts = token_kinds(tok, n_rows)
    n_ok = int((kinds == "ok").sum())
    if settings.verify > n_ok:
        raise InputError(
            f"--verify {settings.verify} is more than the {n_ok:,} ordinary tokens of this vocabulary",
            hint=f"use --verify {n_ok} or less",
        )
    ref, source = _reference(settings, tok, names, e_out)
    cos, norm = cosine_distance(e_out, ref), row_norms(e_in)
    score = cos if settings.indicator is Indicator.COSINE else norm
    info = transplant_info(spec)
    initialised = np.zeros(n_rows, dtype=bool)
    if info is not None:
        ids = np.asarray(info["initialised_ids"], dtype=np.int64)
        initialised[ids[(ids >= 0) & (ids < n_rows)]] = True
    threshold, order = _rank(score, kinds == "ok", initialised, settings.percentile)
    t_weights = time.perf_counter() - t0
    to_verify = order[: settings.verify]
    probs = np.full((n_rows, len(TEMPLATES)), np.nan)
    if len(to_verify):
        start = start_token(tok, lm.model.config)
        probs[to_verify] = repeat_probabilities(
            lm.model, to_verify.tolist(), tok.encode, start, batch_size=settings.batch_size, advance=advance
        )
    columns = {"kind": kinds, "reachable": reach, "cosine_distance": cos, "embedding_norm": norm, "indicator": score}
    table = _frame(tok, names, texts, columns, ref, order, threshold, probs, settings.confirm_below, initialised)
    counts = {f"n_{k}": int((kinds == k).sum()) for k in ("ok", "unreachable", "partial_utf8", "special", "padding")}
    summary: dict[str, Any] = {
        "model": spec,
        "rows": n_rows,
        "vocab_size": tok.vocab_size,
        "tied_embeddings": tied,
        "indicator": settings.indicator.value,
        "reference_source": source,
        "n_reference": int(ref.size),
        **counts,
        "percentile": settings.percentile,
        "threshold": threshold,
        "n_candidates": int(table.candidate.sum()),
        "n_verified": int(table.verified.sum()),
        "n_confirmed": int(table.confirmed.sum()),
        "confirm_below": settings.confirm_below,
        "precision_verified": precision_at(table.confirmed.to_numpy()[to_verify].tolist(), len(to_verify)),
        "seconds_weights": round(t_weights, 2),
        "seconds_verify": round(time.perf_counter() - t0 - t_weights, 2),
    }
    if info is not None:
        summary |= {
            "initialised": int(initialised.sum()),
            "initialised_under_trained": int((initialised & (score <= threshold)).sum()),
            "initialised_verified": int((table.initialised & table.verified).sum()),
            "initialised_confirmed": int((table.initialised & table.confirmed).sum()),
            "healed": info["healed"],
        }
    return AuditResult(table, summary)


def _reference(settings: AuditSettings, tok: Tokenizer, names: list[str], e_out: np.ndarray) -> tuple[np.ndarray, str]:
    if settings.reference is None:
        return reference_ids(tok, names, e_out)
    ref = np.array(sorted(set(settings.reference)), dtype=np.int64)
    if ref.size == 0 or ref.min() < 0 or ref.max() >= len(e_out):
        raise InputError(f"--reference ids must be between 0 and {len(e_out) - 1}")
    return ref, "given"


def _rank(
    score: np.ndarray, eligible: np.ndarray, initialised: np.ndarray, percentile: float
) -> tuple[float, np.ndarray]:
    """The candidate threshold (over ordinary tokens that were not initialised by a transplant)
    and the ordinary tokens' ids by increasing indicator (ties by id)."""
    threshold = candidate_threshold(score, eligible & ~initialised, percentile)
    order = np.flatnonzero(eligible)[np.argsort(score[eligible], kind="stable")]
    return threshold, order


def _frame(
    tok: Tokenizer,
    names: list[str],
    texts: list[str],
    columns: dict[str, np.ndarray],
    ref: np.ndarray,
    order: np.ndarray,
    threshold: float,
    probs: np.ndarray,
    confirm_below: float,
    initialised: np.ndarray,
) -> pd.DataFrame:
    """The tidy table: one row per embedding row (see docs/audit.md for the columns)."""
    n_rows = len(probs)
    pad = [""] * (n_rows - len(names))
    rank = np.full(n_rows, -1, dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    verified = ~np.isnan(probs).any(axis=1)
    max_prob = np.full(n_rows, np.nan)
    max_prob[verified] = probs[verified].max(axis=1)
    is_ref = np.zeros(n_rows, dtype=bool)
    is_ref[ref] = True
    return pd.DataFrame({
        "id": np.arange(n_rows),
        "token": names + pad,
        "text": texts + pad,
        "bytes_hex": [(b.hex() if b is not None else "") for b in tok.token_bytes()] + pad,
        "kind": columns["kind"].astype(str),
        "reachable": columns["reachable"],
        "reference": is_ref,
        "cosine_distance": columns["cosine_distance"],
        "embedding_norm": columns["embedding_norm"],
        "indicator": columns["indicator"],
        "rank": rank,
        "candidate": (rank > 0) & (columns["indicator"] <= threshold),
        **{f"p_{t.name}": probs[:, k] for k, t in enumerate(TEMPLATES)},
        "max_prob": max_prob,
        "verified": verified,
        "confirmed": verified & (np.nan_to_num(max_prob, nan=1.0) < confirm_below),
        "initialised": initialised,
    })  # fmt: skip
