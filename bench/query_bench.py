"""Query latency and cold start of the engine, printed as figures (never a timed test).

    python bench/query_bench.py --shared ../shared [--index .regkb-eval] [--rounds 3]

Builds (or reuses) an index of corpus/ + <shared>/corpus, then times Engine.open and every
dev question through Engine.ask: retrieval and total latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--index", type=Path, default=REPO / ".regkb-eval")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ingest",
            str(REPO / "corpus"),
            str(args.shared / "corpus"),
            "--index",
            str(args.index),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    from regkb.engine import Engine
    from regkb.settings import Settings

    t0 = time.perf_counter()
    engine = Engine.open(Settings(index_dir=args.index))
    engine.ask("预热")  # first call loads the models lazily: part of cold start
    cold = time.perf_counter() - t0
    questions = [
        json.loads(line)["question"] for line in (args.shared / "evals" / "dev.jsonl").open(encoding="utf-8")
    ]
    retrieve, total = [], []
    for _ in range(args.rounds):
        for q in questions:
            answer = engine.ask(q)
            retrieve.append(answer.timings_ms["retrieve"])
            total.append(answer.timings_ms["total"])
    print(f"passages in index        {sum(d.passages for d in engine.documents())}")
    print(f"cold start (open + first) {cold:.2f} s")
    print(f"questions x rounds        {len(questions)} x {args.rounds}")
    print(f"retrieval   p50 {statistics.median(retrieve):7.1f} ms   p95 {percentile(retrieve, 0.95):7.1f} ms")
    print(f"answer total p50 {statistics.median(total):7.1f} ms   p95 {percentile(total, 0.95):7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
