"""Where an engine cold start goes: wall seconds per loading stage, in fresh processes.

    python bench/cold_stages.py [--index .regkb-eval] [--runs 3] [--e5-queries onnx|torch]

Each run is a fresh process that imports regkb.engine (not timed, as in query_bench), opens
the engine and asks a first question with a timer around each loading step; "other" is the
rest of Engine.open plus that first answer (planning, ranking, composing, every smaller load).
The medians over the runs are printed, and in how many runs torch was imported (with
the default ``--e5-queries onnx``, only to embed documents, e.g. situation vectors not yet cached). The
index is only read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timing import wrap

REPO = Path(__file__).resolve().parents[1]

# (label, module, attribute path): wrapped steps; none of them runs inside another
STAGES = [
    ("e5 query graph (onnxruntime import + session)", "regkb.embedders.e5", "E5Embedder._query_encoder"),
    ("e5 torch runtime (torch import, encoder)", "regkb.embedders.e5", "E5Embedder._load"),
    ("USE (cached tokenizer tables, mapped weights)", "regkb.embedders.use", "UseEmbedder._load"),
    ("jieba (on-demand word table)", "regkb.lexical", "_tokenizer_for"),
    ("index (passages, BM25, generation)", "regkb.index", "IndexReader.open"),
    ("dense vectors read from chroma", "regkb.store", "DenseStore._everything"),
    ("conduct patterns + situation vectors", "regkb.situations", "SituationIndex.build"),
    ("red lines", "regkb.clauses", "ClauseChecker.load"),
    ("cross-reference graph", "regkb.retrieval", "Retriever.cited_by"),
    ("ranker model", "regkb.retrieval", "load_model"),
]


def _wrap(spent: dict[str, float], label: str, module: str, path: str) -> None:
    import importlib

    owner: Any = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    wrap(spent, label, owner, name)


def child(index: Path, e5_queries: str) -> int:
    from regkb.engine import Engine
    from regkb.settings import Settings

    spent: dict[str, float] = {}
    for label, module, path in STAGES:
        _wrap(spent, label, module, path)
    start = time.perf_counter()
    engine = Engine.open(Settings(index_dir=index, e5_queries=e5_queries))
    engine.ask("预热")
    total = time.perf_counter() - start
    spent["other"] = total - sum(spent.values())
    print(json.dumps({"total": total, **spent, "torch": "torch" in sys.modules}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / ".regkb-eval")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--e5-queries", choices=("onnx", "torch"), default="onnx")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.index, args.e5_queries)
    command = [
        sys.executable,
        __file__,
        "--index",
        str(args.index),
        "--e5-queries",
        args.e5_queries,
        "--child",
    ]
    runs = [
        json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO).stdout)
        for _ in range(args.runs)
    ]
    for label in ["total", *(s[0] for s in STAGES), "other"]:
        values = [r.get(label, 0.0) for r in runs]
        print(f"{label:55s} {statistics.median(values):5.2f} s  [{' '.join(f'{v:.2f}' for v in values)}]")
    print(f"torch imported in {sum(r['torch'] for r in runs)} of {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
