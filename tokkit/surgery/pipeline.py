"""tokkit transplant, step by step: load, align, initialise, assemble, save, verify."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tokkit.errors import IncompatibleInputsError, InputError
from tokkit.io.models import LoadedModel, load_model, save_model, special_roles
from tokkit.io.reports import current_command, write_json
from tokkit.io.tokenizers import Tokenizer, load_tokenizer, to_tokenizers, write_tokenizer_dir
from tokkit.surgery.config import Embedder, Method, TransplantConfig
from tokkit.surgery.measure import TextScore, score_base, verify
from tokkit.surgery.methods import HybridInputs, RowInputs, new_rows
from tokkit.surgery.result import Counts, TransplantResult
from tokkit.surgery.rows import NewRows, assemble
from tokkit.surgery.vocab import VocabAlignment, align_vocabularies, byte_index, segment_bytes

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


@dataclass(frozen=True, slots=True)
class _Inputs:
    base: LoadedModel
    donor: LoadedModel | None
    new: Tokenizer


@dataclass(frozen=True, slots=True)
class _Matrices:
    """The new embedding (and untied lm_head) matrices, and how the input rows were made."""

    emb_in: torch.Tensor
    emb_out: torch.Tensor | None  # None when the model ties its lm_head to the input embeddings
    rows_in: NewRows


def _load(
    base_spec: str, new_tokenizer_spec: str | None, donor_spec: str | None, config: TransplantConfig, *,
    trust_remote_code: bool, allow_pickle: bool,
) -> _Inputs:  # fmt: skip
    """1. the base model, the donor (for omp) and the new tokenizer."""
    if config.method is Method.OMP and donor_spec is None:
        raise InputError("--method omp needs --donor, a model that uses the new tokenizer")
    base = load_model(base_spec, trust_remote_code=trust_remote_code, what="base model", allow_pickle=allow_pickle)
    donor = None
    if donor_spec is not None:
        donor = load_model(donor_spec, trust_remote_code=trust_remote_code, what="donor model",
                           allow_pickle=allow_pickle)  # fmt: skip
    if new_tokenizer_spec is not None:
        new = load_tokenizer(new_tokenizer_spec, trust_remote_code=trust_remote_code)
    elif donor is not None:
        new = donor.tokenizer
    else:
        raise InputError("give --tokenizer (or --donor, whose tokenizer is then used)")
    return _Inputs(base, donor, new)


def _align(base: LoadedModel, new: Tokenizer) -> VocabAlignment:
    """2. vocabularies aligned on raw bytes; special tokens by text, then by role."""
    return align_vocabularies(
        base.tokenizer.token_bytes(),
        new.token_bytes(),
        old_roles=special_roles(base.tokenizer, base.model.config),
        new_roles=special_roles(new),
        old_specials={i: base.tokenizer.id_to_token(i) for i in base.tokenizer.special_ids},
        new_specials={i: new.id_to_token(i) for i in new.special_ids},
        old_byte_fallback=base.tokenizer.byte_fallback_ids,
    )


def _check(alignment: VocabAlignment, config: TransplantConfig, donor: LoadedModel | None) -> None:
    anchors = len(alignment.shared_new)
    if anchors == 0:
        raise IncompatibleInputsError(
            "the new tokenizer has no token in common with the base model's",
            hint="transplant needs shared tokens (anchors); check that you passed the right tokenizer",
        )
    if config.method is not Method.OMP:
        return
    if config.k > anchors:
        raise InputError(
            f"--k {config.k} is larger than the {anchors} shared (anchor) tokens",
            hint=f"use --k {min(64, anchors)} or less",
        )
    screen = config.omp_screen
    if screen is not None and not config.k <= screen <= anchors:
        raise InputError(
            f"--omp-screen {screen} must be between --k ({config.k}) and the {anchors} shared (anchor) tokens",
            hint=f"use --omp-screen {min(max(4 * config.k, 1024), anchors)}, or leave it out for exact OMP",
        )
    assert donor is not None
    rows = donor.model.get_input_embeddings().weight.shape[0]
    if rows < alignment.new_size:
        raise IncompatibleInputsError(
            f"the donor has {rows} embedding rows, the new tokenizer {alignment.new_size} ids: "
            "the donor must use the new tokenizer"
        )


def _initialise(x: _Inputs, alignment: VocabAlignment, config: TransplantConfig) -> _Matrices:
    """3. rows for the new tokens, per matrix (input embeddings; lm_head when not tied)."""
    model = x.base.model
    emb_in = model.get_input_embeddings().weight.detach()
    head = model.get_output_embeddings()
    tied = head is None or head.weight.data_ptr() == emb_in.data_ptr()
    needs_pieces = config.method in (Method.SUBWORD_MEAN, Method.HYBRID)
    old_bytes, new_bytes = x.base.tokenizer.token_bytes(), x.new.token_bytes()
    approx_bytes = [new_bytes[i] for i in alignment.to_approximate.tolist()]
    pieces = _pieces(x.base.tokenizer, old_bytes, approx_bytes) if needs_pieces else []
    hybrid = _hybrid_inputs(x.base, x.new, alignment, pieces, config) if config.method is Method.HYBRID else None
    donor_in = donor_head = None
    if x.donor is not None and config.method is Method.OMP:
        donor_in = x.donor.model.get_input_embeddings().weight.detach()
        donor_out = x.donor.model.get_output_embeddings()
        donor_head = donor_out.weight.detach() if donor_out is not None else donor_in
    inputs = RowInputs(alignment, config, donor_in, pieces, hybrid)
    rows_in = new_rows(config.method, emb_in, inputs)
    out = None
    if not tied:
        assert head is not None
        rows_out = new_rows(config.method, head.weight.detach(), RowInputs(alignment, config, donor_head, pieces,
                                                                            hybrid))  # fmt: skip
        out = assemble(head.weight.detach(), alignment, rows_out)
    return _Matrices(assemble(emb_in, alignment, rows_in), out, rows_in)


def _install(model: Any, alignment: VocabAlignment, m: _Matrices, new_roles: dict[str, int]) -> None:
    """4. the matrices into the model, and its config made to match the new tokenizer."""
    model.resize_token_embeddings(alignment.new_size, mean_resizing=False)
    with torch.no_grad():
        model.get_input_embeddings().weight.copy_(m.emb_in)
        if m.emb_out is not None:
            model.get_output_embeddings().weight.copy_(m.emb_out)
    if m.emb_out is None:
        model.tie_weights()
    model.config.vocab_size = alignment.new_size
    for role in ("bos", "eos", "pad", "unk"):
        setattr(model.config, f"{role}_token_id", new_roles.get(role))
    if getattr(model, "generation_config", None) is not None:
        for role in ("bos", "eos", "pad"):
            setattr(model.generation_config, f"{role}_token_id", new_roles.get(role))


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
) -> TransplantResult:
    """Write a transformers model with the new tokenizer, and its transplant.json, into `out` (an
    empty directory); verify it on `eval_text` when given."""
    notes = notes if notes is not None else []
    t0 = time.perf_counter()
    torch.manual_seed(config.seed)  # nothing below draws from it; pins any library default
    x = _load(base_spec, new_tokenizer_spec, donor_spec, config, trust_remote_code=trust_remote_code,
              allow_pickle=allow_pickle)  # fmt: skip
    old_scheme, new_scheme = _number_scheme(x.base.tokenizer), _number_scheme(x.new)
    if old_scheme != new_scheme:
        notes.append(
            f"number schemes differ: base cuts 1234567 as {old_scheme}, the new tokenizer as {new_scheme}; "
            "the OMP paper found this is what breaks arithmetic"
        )
    alignment = _align(x.base, x.new)
    new_roles = special_roles(x.new)
    new_start = new_roles.get("bos", new_roles.get("eos"))
    _check(alignment, config, x.donor)
    before: TextScore | None = None
    if eval_text is not None:
        before = score_base(x.base, x.new, new_start, eval_text, config.window)
    matrices = _initialise(x, alignment, config)
    _install(x.base.model, alignment, matrices, new_roles)
    # 5. save model, tokenizer and transplant.json
    save_model(x.base.model, out)
    roles = {f"{r}_token": x.new.id_to_token(i) for r, i in new_roles.items()}
    write_tokenizer_dir(to_tokenizers(x.new), out, roles=roles, extra_files={}, check_lines=["Hello world, 123."])
    fallback = int(matrices.rows_in.fallback.sum())
    err = matrices.rows_in.relative_error
    initialised = sorted(alignment.to_approximate.tolist())
    counts = Counts(
        new_vocab_size=alignment.new_size,
        exact=len(alignment.shared_new),
        approximated=len(alignment.to_approximate) - fallback,
        unmatched=fallback,
        special_by_role={r: list(p) for r, p in alignment.by_role.items()},
    )
    seconds = round(time.perf_counter() - t0, 2)
    # 6. verify: bits per byte before and after on the same text, from the saved directory
    check = None
    if eval_text is not None and before is not None:
        check = verify(before, out, eval_text, initialised, config.window)
    omp = config.method is Method.OMP
    hybrid = {"embedder": config.embedder.value, "temperature": config.temperature, "top_k": config.top_k,
              "weight": config.global_weight}  # fmt: skip
    error = {"mean": float(err.mean()), "median": float(err.median()), "max": float(err.max())} if (
        err is not None and len(err)) else None  # fmt: skip
    result = TransplantResult(
        method=config.method.value,
        k=config.k if omp else None,
        omp_screen=config.omp_screen if omp else None,
        hybrid=hybrid if config.method is Method.HYBRID else None,
        seed=config.seed,
        base_model=base_spec,
        donor_model=donor_spec,
        tokenizer=new_tokenizer_spec or donor_spec,
        tied_embeddings=matrices.emb_out is None,
        counts=counts,
        initialised_ids=initialised,
        seconds=seconds,
        omp_relative_error=error,
        verification=check,
        notes=notes,
        command=current_command(),
    )
    write_json(out / "transplant.json", result.to_json())
    return result


def _hybrid_inputs(
    base: LoadedModel,
    new: Tokenizer,
    alignment: VocabAlignment,
    pieces: list[list[int] | None],
    config: TransplantConfig,
) -> HybridInputs:
    """Texts of the new tokens and of every old token, and their auxiliary embeddings."""
    from tokkit.io.embedders import base_model_embedder, minilm_embedder

    old_tok = base.tokenizer
    old_texts = [old_tok.decode([i]) for i in range(old_tok.vocab_size)]
    texts = [new.decode([i]) for i in alignment.to_approximate.tolist()]
    if config.embedder is Embedder.MINILM:
        embed = minilm_embedder()
        return HybridInputs(texts, old_texts, embed(texts), embed(old_texts))
    embed_ids = base_model_embedder(base.model)
    phi_old = embed_ids([[i] for i in range(old_tok.vocab_size)])
    phi_new = embed_ids([p or old_tok.encode(t) or [0] for p, t in zip(pieces, texts, strict=True)])
    return HybridInputs(texts, old_texts, phi_new, phi_old)
