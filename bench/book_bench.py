"""The whole statute book: ingest, footprint, query speed and STARD (book) validation figures.

    python bench/book_bench.py [--shared ../shared] [--index DIR] [--skip-ingest] [--queries N]

Builds `regkb ingest --statutes all corpus ../shared/corpus` (the book, the project's corpus and
the shared corpus, whose judicial interpretations some STARD questions cite) into a temporary
directory (or --index DIR, kept):

1. cold ingest (empty index, empty embedding cache) in a child process: wall time, peak RSS;
2. the same ingest again (nothing changed): wall time;
3. one law changed (a copy of the statute database with one article edited, named by a
   sources.toml): wall time and what was embedded;
4. index size on disk; retrieval p50 / p95 (`Engine.retrieve`) over the book questions;
5. `regkb eval --split val --systems regkb china-law-mcp` over ../shared/evals/stard/book-train.jsonl:
   R@5, MRR@10 and latency of regkb and of the peer on the same questions in the same run.

Figures are printed, never asserted (a benchmark, not a test). Run it alone: it is the heavy job.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHANGED_LAW = "中华人民共和国保险法"  # the law step 3 edits (one article)


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float, float]:
    """(stdout, wall seconds, peak RSS MB, CPU seconds) of a child process (os.wait4). The CPU
    seconds (user + system) say more than the wall time when other jobs share the cores."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode("utf-8")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {code}:\n{text}")
    return text, wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def ingest(roots: list[Path], index: Path) -> tuple[dict[str, Any], float, float, float]:
    cmd = [sys.executable, "-m", "regkb.cli", "ingest", *map(str, roots), "--index", str(index)]
    text, wall, rss, cpu = run_child([*cmd, "--statutes", "all", "--json"])
    return json.loads(text), wall, rss, cpu


def corpus_with_changed_law(work: Path) -> Path:
    """corpus/ copied, its sources.toml pointing at a copy of laws.db with one article edited."""
    from ingest.sources.statutes import bundled_database

    corpus = work / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    database = work / "laws.db"
    shutil.copyfile(bundled_database(), database)
    with sqlite3.connect(database) as conn:
        (law_id,) = conn.execute(
            "SELECT law_id FROM laws WHERE law_name = ? AND status = '现行有效'", (CHANGED_LAW,)
        ).fetchone()
        (row,) = conn.execute("SELECT MIN(id) FROM articles WHERE law_id = ?", (law_id,)).fetchone()
        conn.execute(
            "UPDATE articles SET article_text = article_text || '（基准测试所加的修改。）' WHERE id = ?",
            (row,),
        )
    toml = corpus / "sources.toml"
    text = toml.read_text(encoding="utf-8").replace(
        "[statutes]\n", f'[statutes]\ndatabase = "{database}"\n', 1
    )
    toml.write_text(text, encoding="utf-8")
    return corpus


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def val_questions(path: Path) -> list[str]:
    from evals.splits import split_of

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if split_of(str(r["id"])) == "val"]


def query_latency(index: Path, questions: list[str]) -> tuple[float, float, float]:
    """Retrieval p50 / p95 in ms over the questions (models loaded and warmed first), and the
    first (cold-cache) query's time."""
    from regkb.engine import Engine
    from regkb.settings import Settings

    engine = Engine.open(Settings(index_dir=index))
    times = []
    for question in questions:
        started = time.perf_counter()
        engine.retrieve(question, k=10)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18], times[0]


def retrieval_parts(index: Path, questions: list[str]) -> list[str]:
    """Where a retrieval's time goes: mean ms per question in each timed step (--parts)."""
    from timing import wrap

    from regkb.embedders.e5 import E5Embedder
    from regkb.embedders.use import UseEmbedder
    from regkb.engine import Engine
    from regkb.lexical import LexicalIndex
    from regkb.retrieval import Retriever
    from regkb.settings import Settings
    from regkb.store import DenseStore

    spent: dict[str, float] = {}
    engine = Engine.open(Settings(index_dir=index))
    for kind in (E5Embedder, UseEmbedder):  # the default channels' classes: every instance is timed
        wrap(spent, f"embed query ({kind.__name__})", kind, "embed_query")
    wrap(spent, "dense search (proposing channels)", DenseStore, "query")
    wrap(spent, "adapted channel's cosines to every passage (rescoring)", DenseStore, "similarities")
    wrap(spent, "BM25 search", LexicalIndex, "search")
    wrap(spent, "every channel's proposals (the lines above included)", Retriever, "rank")
    wrap(spent, "candidate features", Retriever, "candidates")
    for question in questions[:5]:
        engine.retrieve(question, k=10)
    spent.clear()
    started = time.perf_counter()
    for question in questions:
        engine.retrieve(question, k=10)
    spent["retrieve, in all"] = time.perf_counter() - started
    return [f"  {label}: {1000 * seconds / len(questions):.1f} ms" for label, seconds in spent.items()]


def stard_eval(index: Path, questions: Path, out: Path) -> str:
    cmd = [sys.executable, "-m", "regkb.cli", "eval", "--questions", str(questions), "--index", str(index)]
    cmd += ["--split", "val", "--systems", "regkb", "china-law-mcp", "--out", str(out), "--no-progress"]
    text, _wall, _rss, _cpu = run_child(cmd)
    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    lines = [line for line in text.splitlines() if ": R@5" in line]
    for name, system in doc.get("systems", {}).items():
        overall = system.get("overall", {}) if isinstance(system, dict) else {}
        p50, p95 = overall.get("latency_p50_ms"), overall.get("latency_p95_ms")
        if p50 is not None:
            lines.append(f"{name}: answer latency p50 {p50:.0f} ms, p95 {p95:.0f} ms (eval run)")
    return "\n".join(lines)


def ingest_figures(roots: list[Path], index: Path, work: Path) -> None:
    """Steps 1-3: cold ingest, unchanged re-ingest, one law changed (then back to the bundled book)."""
    load = os.getloadavg()[0]
    report, wall, rss, cpu = ingest(roots, index)
    print(f"cold ingest (book + corpus/ + shared corpus): {wall:.0f} s ({cpu:.0f} CPU s; load average "
          f"{load:.1f} before, {os.getloadavg()[0]:.1f} after), peak RSS {rss:.0f} MB, "
          f"{report['documents']} documents, {report['passages']} passages, embedded {report['embedded']}")  # fmt: skip
    report, wall, rss, _ = ingest(roots, index)
    print(f"re-ingest, unchanged: {wall:.1f} s (embedded {report['embedded']}, peak RSS {rss:.0f} MB)")
    report, wall, _, _ = ingest([corpus_with_changed_law(work), *roots[1:]], index)
    print(f"re-ingest, one law changed ({CHANGED_LAW}): {wall:.1f} s, updated {report['updated']}, "
          f"embedded {report['embedded']}")  # fmt: skip
    ingest(roots, index)  # back to the bundled book for the query figures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
    )
    parser.add_argument("--index", type=Path, default=None, help="keep the index here (default: a temp dir)")
    parser.add_argument("--skip-ingest", action="store_true", help="measure an existing --index")
    parser.add_argument("--queries", type=int, default=200, help="questions timed for retrieval p50/p95")
    parser.add_argument("--parts", action="store_true", help="also print where a retrieval's time goes")
    parser.add_argument("--dense", default=None, help="dense channels, e.g. e5:base,use (default: settings')")
    args = parser.parse_args()
    if args.dense:  # the children and the engine read it from REGKB_DENSE
        os.environ["REGKB_DENSE"] = json.dumps(args.dense.split(","))
    work = Path(tempfile.mkdtemp(prefix="regkb-book-"))
    index = args.index or work / "index"
    book = args.shared / "evals" / "stard" / "book-train.jsonl"
    try:
        if not args.skip_ingest:
            ingest_figures([REPO / "corpus", args.shared / "corpus"], index, work)
        print(f"index size on disk: {disk_mb(index):.0f} MB")
        questions = val_questions(book)[: args.queries]
        p50, p95, first = query_latency(index, questions)
        print(f"retrieval over {len(questions)} STARD (book) val questions: "
              f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (first query {first:.0f} ms)")  # fmt: skip
        print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if args.parts:
            print("retrieval, mean per question:", *retrieval_parts(index, questions), sep="\n")
        print(stard_eval(index, book, work / "eval"), flush=True)
    finally:
        if args.index is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
