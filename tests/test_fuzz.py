"""Fuzzing the readers (`make fuzz` runs these with many more examples; `make test` skips them).

Whatever bytes a user hands over, the corpus, tokenizer and cases readers either work or raise
TokkitError (one clear line): never another exception.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokkit.errors import TokkitError

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# bytes that look like the real thing often enough to get past the first check
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["model", "vocab", "config", "type", "merges", "added_tokens", "pattern"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
).map(lambda x: json.dumps(x).encode())
payloads = st.binary(max_size=2000) | json_like | st.text(max_size=500).map(str.encode)


def _write(name: str, data: bytes) -> Path:
    d = Path(tempfile.mkdtemp())
    p = d / name
    p.write_bytes(data)
    return p


@fuzz
@given(payloads, st.sampled_from(["eng.txt", "c.jsonl", "c.parquet"]))
def test_corpus_reader(data: bytes, name: str) -> None:
    from tokkit.io.corpora import iter_batches, open_corpus

    path = _write(name, data)
    try:
        for _ in iter_batches(open_corpus(path), batch_size=7):
            pass
    except TokkitError:
        pass


@fuzz
@given(payloads, st.sampled_from(["tokenizer.json", "x.model", "cl100k_base.tiktoken", "tekken.json", "t.gguf"]))
def test_tokenizer_loader(data: bytes, name: str) -> None:
    from tokkit.io.tokenizers import load_tokenizer

    try:
        tok = load_tokenizer(str(_write(name, data)))
        tok.encode_batch(["hello world", "1234"])
    except TokkitError:
        pass


@fuzz
@given(payloads)
def test_cases_reader(data: bytes) -> None:
    from tokkit.attacks.cases import Case
    from tokkit.io.reports import read_jsonl

    try:
        for record in read_jsonl(_write("cases.jsonl", data)):
            with contextlib.suppress(TypeError, ValueError):  # the CLI makes these one line (test_bad_input)
                Case.from_record(record)
    except TokkitError:
        pass
