"""Query latency and cold start of the engine, printed as figures (never a timed test).

    python bench/query_bench.py --shared ../shared [--index .regkb-eval] [--rounds 3]
                                [--cold-runs 3] [--skip-ingest]

Builds (or reuses) an index of corpus/ + <shared>/corpus (``--skip-ingest`` only reads it),
then measures:

- cold start: in ``--cold-runs`` fresh processes, Engine.open plus a first answer (the
  regkb imports before it are timed apart); the median, wall clock and CPU seconds (CPU
  time moves less when neighbours share the cores);
- latency: every dev question through Engine.ask, ``--rounds`` times: retrieval and total
  p50/p95.

The per-user derived caches (~/.cache/regkb: e5 weights, USE tables, jieba word table) are
built by the first run on a machine; a cold start with them missing is slower once.
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


def cold_child(index: Path) -> int:
    """One cold start in this (fresh) process, printed as JSON."""
    t0 = time.perf_counter()
    from regkb.engine import Engine
    from regkb.settings import Settings

    t1, c1 = time.perf_counter(), time.process_time()
    engine = Engine.open(Settings(index_dir=index))
    engine.ask("预热")  # a first user question after open: part of cold start
    t2, c2 = time.perf_counter(), time.process_time()
    print(json.dumps({"import_s": t1 - t0, "cold_s": t2 - t1, "cold_cpu_s": c2 - c1}))
    return 0


def cold_starts(index: Path, runs: int) -> list[dict[str, float]]:
    command = [sys.executable, __file__, "--index", str(index), "--cold-child"]
    results = []
    for _ in range(runs):
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def latency(index: Path, shared: Path, rounds: int) -> None:
    from regkb.engine import Engine
    from regkb.settings import Settings

    engine = Engine.open(Settings(index_dir=index))
    questions = [
        json.loads(line)["question"] for line in (shared / "evals" / "dev.jsonl").open(encoding="utf-8")
    ]
    retrieve, total = [], []
    for _ in range(rounds):
        for q in questions:
            answer = engine.ask(q)
            retrieve.append(answer.timings_ms["retrieve"])
            total.append(answer.timings_ms["total"])
    print(f"passages in index        {sum(d.passages for d in engine.documents())}")
    print(f"questions x rounds        {len(questions)} x {rounds}")
    print(f"retrieval   p50 {statistics.median(retrieve):7.1f} ms   p95 {percentile(retrieve, 0.95):7.1f} ms")
    print(f"answer total p50 {statistics.median(total):7.1f} ms   p95 {percentile(total, 0.95):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--index", type=Path, default=REPO / ".regkb-eval")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes timed for cold start")
    parser.add_argument("--skip-ingest", action="store_true", help="read the index as it is")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        return cold_child(args.index)
    if not args.skip_ingest:
        ingest = [sys.executable, "-m", "ingest", str(REPO / "corpus"), str(args.shared / "corpus")]
        subprocess.run([*ingest, "--index", str(args.index)], check=True, stdout=subprocess.DEVNULL)
    if args.cold_runs > 0:
        runs = cold_starts(args.index, args.cold_runs)
        for key, label in (("cold_s", "wall"), ("cold_cpu_s", "CPU ")):
            each = " ".join(f"{r[key]:.2f}" for r in runs)
            print(
                f"cold start (open + first) {label} median {statistics.median(r[key] for r in runs):.2f} s  [{each}]"
            )
        print(f"regkb imports before it   median {statistics.median(r['import_s'] for r in runs):.2f} s")
    if args.rounds > 0:
        latency(args.index, args.shared, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
