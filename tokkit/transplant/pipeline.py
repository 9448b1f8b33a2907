"""tokkit transplant, step by step: load, align, initialise, assemble, save, verify."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch

from tokkit.errors import IncompatibleInputsError, InputError
from tokkit.io.models import LoadedModel, load_model, save_model, special_roles
from tokkit.io.reports import current_command
from tokkit.io.tokenizers import Tokenizer, load_tokenizer, to_tokenizers, write_tokenizer_dir
from tokkit.transplant.config import Embedder, Method, TransplantConfig
from tokkit.transplant.hybrid import hybrid_rows
from tokkit.transplant.init import (
    NewRows,
    assemble,
    mean_rows,
    omp_rows,
    random_rows,
    subword_mean_rows,
    zero_rows,
)
from tokkit.transplant.verify import LanguageModelScore, score_text
from tokkit.transplant.vocab import VocabAlignment, align_vocabularies, byte_index, segment_bytes

log = logging.getLogger(__name__)


def _number_scheme(tok: Tokenizer) -> str:
    """How the tokenizer cuts "1234567": e.g. "1|2|3|4|5|6|7" or "123|456|7"."""
    try:
        ids = tok.encode("x 1234567")
    except InputError:
        return "?"
    pieces = [tok.decode([i]).strip() for i in ids]
    return "|".join(p for p in pieces if p.isdigit() or (p and p[0].isdigit()))


def _pieces(old: Tokenizer, old_bytes: list[bytes | None], targets: list[bytes | None]) -> list[list[int] | None]:
    """Each new token spelled with old tokens: the old tokenizer's own encoding when it rebuilds the
    bytes exactly, else a greedy longest match over the old vocabulary's bytes (a regular token
    before a byte-fallback piece with the same bytes)."""
    index = byte_index(old_bytes, fallback=old.byte_fallback_ids)
    max_len = max((len(b) for b in index), default=1)
    out: list[list[int] | None] = []
    for target in targets:
        if not target:
            out.append(None)
            continue
        ids: list[int] | None = None
        try:
            text = target.decode("utf-8")
            encoded = old.encode(text)
            if b"".join(old_bytes[i] or b"\0" for i in encoded) == target:
                ids = encoded
        except UnicodeDecodeError:
            pass
        out.append(ids if ids else segment_bytes(target, index, max_len))
    return out


def _rows(
    method: Method,
    old_matrix: torch.Tensor,
    alignment: VocabAlignment,
    *,
    donor_matrix: torch.Tensor | None,
    pieces: list[list[int] | None],
    config: TransplantConfig,
    hybrid_inputs: tuple[list[str], list[str], torch.Tensor, torch.Tensor] | None = None,
) -> NewRows:
    n = len(alignment.to_approximate)
    if method is Method.OMP:
        assert donor_matrix is not None
        return omp_rows(old_matrix.to(config.device), donor_matrix.to(config.device), alignment, config.k,
                        chunk_size=config.chunk_size)  # fmt: skip
    if method is Method.SUBWORD_MEAN:
        return subword_mean_rows(old_matrix, pieces)
    if method is Method.HYBRID:
        assert hybrid_inputs is not None
        texts, old_texts, phi_new, phi_old = hybrid_inputs
        return hybrid_rows(old_matrix, pieces, texts, old_texts, phi_new, phi_old, temperature=config.temperature,
                           top_k=config.top_k, weight=config.global_weight)  # fmt: skip
    if method is Method.MEAN:
        return mean_rows(old_matrix, n)
    if method is Method.ZERO:
        return zero_rows(old_matrix, n)
    return random_rows(old_matrix, n, seed=config.seed)


def transplant(
    base_spec: str,
    new_tokenizer_spec: str | None,
    out: Path,
    config: TransplantConfig,
    *,
    donor_spec: str | None = None,
    eval_text: Path | None = None,
    trust_remote_code: bool = False,
    allow_pickle: bool = False,
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """Write a transformers model with the new tokenizer into `out` (an empty directory)."""
    notes = notes if notes is not None else []
    t0 = time.perf_counter()
    torch.manual_seed(config.seed)  # nothing below draws from it; pins any library default
    # 1. load the base model, the donor (for omp) and the new tokenizer
    if config.method is Method.OMP and donor_spec is None:
        raise InputError("--method omp needs --donor, a model that uses the new tokenizer")
    base: LoadedModel = load_model(
        base_spec, trust_remote_code=trust_remote_code, what="base model", allow_pickle=allow_pickle
    )
    donor: LoadedModel | None = None
    if donor_spec is not None:
        donor = load_model(
            donor_spec, trust_remote_code=trust_remote_code, what="donor model", allow_pickle=allow_pickle
        )
    if new_tokenizer_spec is not None:
        new = load_tokenizer(new_tokenizer_spec, trust_remote_code=trust_remote_code)
    elif donor is not None:
        new = donor.tokenizer
    else:
        raise InputError("give --tokenizer (or --donor, whose tokenizer is then used)")
    old_scheme, new_scheme = _number_scheme(base.tokenizer), _number_scheme(new)
    if old_scheme != new_scheme:
        notes.append(
            f"number schemes differ: base cuts 1234567 as {old_scheme}, the new tokenizer as {new_scheme}; "
            "the OMP paper found this is what breaks arithmetic"
        )
    # 2. align vocabularies on raw bytes; special tokens by role
    old_bytes, new_bytes = base.tokenizer.token_bytes(), new.token_bytes()
    new_roles = special_roles(new)
    alignment = align_vocabularies(
        old_bytes,
        new_bytes,
        old_roles=special_roles(base.tokenizer, base.model.config),
        new_roles=new_roles,
        old_specials={i: base.tokenizer.id_to_token(i) for i in base.tokenizer.special_ids},
        new_specials={i: new.id_to_token(i) for i in new.special_ids},
        old_byte_fallback=base.tokenizer.byte_fallback_ids,
    )
    new_start = new_roles.get("bos", new_roles.get("eos"))
    before = _score_base(base, new, new_start, eval_text, config.window) if eval_text is not None else None
    if len(alignment.shared_new) == 0:
        raise IncompatibleInputsError(
            "the new tokenizer has no token in common with the base model's",
            hint="transplant needs shared tokens (anchors); check that you passed the right tokenizer",
        )
    if config.method is Method.OMP and config.k > len(alignment.shared_new):
        raise InputError(
            f"--k {config.k} is larger than the {len(alignment.shared_new)} shared (anchor) tokens",
            hint=f"use --k {min(64, len(alignment.shared_new))} or less",
        )
    # 3. initialise the rows of the new tokens, per matrix
    model = base.model
    emb_in = model.get_input_embeddings().weight.detach()
    head = model.get_output_embeddings()
    tied = head is None or head.weight.data_ptr() == emb_in.data_ptr()
    approx_bytes = [new_bytes[i] for i in alignment.to_approximate.tolist()]
    needs_pieces = config.method in (Method.SUBWORD_MEAN, Method.HYBRID)
    pieces = _pieces(base.tokenizer, old_bytes, approx_bytes) if needs_pieces else []
    hybrid_inputs = None
    if config.method is Method.HYBRID:
        hybrid_inputs = _hybrid_inputs(base, new, alignment, pieces, config)
    donor_in = donor_head = None
    if donor is not None and config.method is Method.OMP:
        if donor.model.get_input_embeddings().weight.shape[0] < alignment.new_size:
            raise IncompatibleInputsError(
                f"the donor has {donor.model.get_input_embeddings().weight.shape[0]} embedding rows, "
                f"the new tokenizer {alignment.new_size} ids: the donor must use the new tokenizer"
            )
        donor_in = donor.model.get_input_embeddings().weight.detach()
        donor_out = donor.model.get_output_embeddings()
        donor_head = donor_out.weight.detach() if donor_out is not None else donor_in
    rows_in = _rows(config.method, emb_in, alignment, donor_matrix=donor_in, pieces=pieces, config=config,
                    hybrid_inputs=hybrid_inputs)  # fmt: skip
    new_in = assemble(emb_in, alignment, rows_in)
    new_out = None
    rows_out = None
    if not tied:
        assert head is not None
        rows_out = _rows(config.method, head.weight.detach(), alignment, donor_matrix=donor_head, pieces=pieces,
                         config=config, hybrid_inputs=hybrid_inputs)  # fmt: skip
        new_out = assemble(head.weight.detach(), alignment, rows_out)
    # 4. put the matrices into the model and make its config match the new tokenizer
    model.resize_token_embeddings(alignment.new_size, mean_resizing=False)
    with torch.no_grad():
        model.get_input_embeddings().weight.copy_(new_in)
        if new_out is not None:
            model.get_output_embeddings().weight.copy_(new_out)
    if tied:
        model.tie_weights()
    model.config.vocab_size = alignment.new_size
    for role in ("bos", "eos", "pad", "unk"):
        setattr(model.config, f"{role}_token_id", new_roles.get(role))
    if getattr(model, "generation_config", None) is not None:
        for role in ("bos", "eos", "pad"):
            setattr(model.generation_config, f"{role}_token_id", new_roles.get(role))
    # 5. save model, tokenizer and transplant.json
    save_model(model, out)
    roles = {f"{r}_token": new.id_to_token(i) for r, i in new_roles.items()}
    write_tokenizer_dir(to_tokenizers(new), out, roles=roles, extra_files={}, check_lines=["Hello world, 123."])
    n_fallback = int(rows_in.fallback.sum())
    report: dict[str, Any] = {
        "method": config.method.value,
        "k": config.k if config.method is Method.OMP else None,
        "hybrid": {
            "embedder": config.embedder.value,
            "temperature": config.temperature,
            "top_k": config.top_k,
            "weight": config.global_weight,
        }
        if config.method is Method.HYBRID
        else None,
        "seed": config.seed,
        "base_model": base_spec,
        "donor_model": donor_spec,
        "tokenizer": new_tokenizer_spec or donor_spec,
        "tied_embeddings": tied,
        "counts": {
            "new_vocab_size": alignment.new_size,
            "exact": len(alignment.shared_new),
            "approximated": len(alignment.to_approximate) - n_fallback,
            "unmatched": n_fallback,
            "special_by_role": {r: list(p) for r, p in alignment.by_role.items()},
        },
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if rows_in.relative_error is not None:
        err = rows_in.relative_error
        report["omp_relative_error"] = {"mean": float(err.mean()), "median": float(err.median()),
                                        "max": float(err.max())}  # fmt: skip
    # 6. verify: bits per byte before and after on the same text, from the saved directory
    if eval_text is not None and before is not None:
        report["verification"] = verify(before, out, eval_text, alignment, config.window)
    report["notes"] = notes
    report["command"] = current_command()
    (out / "transplant.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _hybrid_inputs(
    base: LoadedModel,
    new: Tokenizer,
    alignment: VocabAlignment,
    pieces: list[list[int] | None],
    config: TransplantConfig,
) -> tuple[list[str], list[str], torch.Tensor, torch.Tensor]:
    """Texts of the new tokens and of every old token, and their auxiliary embeddings."""
    from tokkit.io.embedders import base_model_embedder, minilm_embedder

    old_tok = base.tokenizer
    old_texts = [old_tok.decode([i]) for i in range(old_tok.vocab_size)]
    texts = [new.decode([i]) for i in alignment.to_approximate.tolist()]
    if config.embedder is Embedder.MINILM:
        embed = minilm_embedder()
        return texts, old_texts, embed(texts), embed(old_texts)
    embed_ids = base_model_embedder(base.model)
    phi_old = embed_ids([[i] for i in range(old_tok.vocab_size)])
    phi_new = embed_ids([p or old_tok.encode(t) or [0] for p, t in zip(pieces, texts, strict=True)])
    return texts, old_texts, phi_new, phi_old


def _score_base(
    base: LoadedModel, new: Tokenizer, new_start: int | None, eval_text: Path, window: int
) -> tuple[LanguageModelScore, int | None]:
    """Bits per byte of the base model. Windows start with the same special token text as the new
    model's (its bos, else eos) when the base has it, else with the base's own bos/eos."""
    text = eval_text.read_text(encoding="utf-8")
    roles = special_roles(base.tokenizer, base.model.config)
    start = roles.get("bos", roles.get("eos"))
    if new_start is not None:
        wanted = new.id_to_token(new_start)
        same = [i for i in sorted(base.tokenizer.special_ids) if base.tokenizer.id_to_token(i) == wanted]
        start = same[0] if same else start
    ids = base.tokenizer.encode(text)
    return score_text(base.model, ids, len(text.encode("utf-8")), start_id=start, window=window), start


def verify(
    before: tuple[LanguageModelScore, int | None], out: Path, eval_text: Path, alignment: VocabAlignment, window: int
) -> dict[str, Any]:
    """Reload the saved model with transformers and compare its bits per byte with the base model's."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_score, base_start = before
    text = eval_text.read_text(encoding="utf-8")
    n_bytes = len(text.encode("utf-8"))
    new_model = AutoModelForCausalLM.from_pretrained(str(out), local_files_only=True, dtype=torch.float32)
    new_model.eval()  # type: ignore[no-untyped-call]
    new_tok = AutoTokenizer.from_pretrained(str(out), local_files_only=True)
    new_ids = load_tokenizer(str(out)).encode(text)  # special-token strings in the text stay text
    config = new_model.config
    new_start = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
    approximated = torch.as_tensor(alignment.to_approximate)
    after = score_text(new_model, new_ids, n_bytes, start_id=new_start, window=window, new_ids=approximated)
    prompt = new_tok("The capital of France is", return_tensors="pt", add_special_tokens=False)
    generated = new_model.generate(**prompt, max_new_tokens=8, do_sample=False)
    return {
        "eval_text": str(eval_text),
        "eval_text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "eval_bytes": n_bytes,
        "base_bits_per_byte": base_score.bits_per_byte,
        "new_bits_per_byte": after.bits_per_byte,
        "ratio": after.bits_per_byte / base_score.bits_per_byte if base_score.bits_per_byte else None,
        "base_tokens": base_score.n_tokens,
        "new_tokens": after.n_tokens,
        "new_token_mass": after.new_token_mass,
        "start_tokens": {"base": base_start, "new": new_start},
        "generation_sample": new_tok.decode(generated[0], skip_special_tokens=True),
    }
