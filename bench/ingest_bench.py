"""Ingest speed and footprint on a corpus, printed as figures (never a timed test).

    python bench/ingest_bench.py [--corpus corpus ../shared/corpus] [--dense e5,use]

Copies the corpus roots (default: the project's corpus/ and ../shared/corpus, what `make run`
and the evals index) to a temporary directory, then runs `python -m ingest` in child processes:
a cold ingest (empty index, empty embedding cache), a no-change re-ingest, and a re-ingest
after one file was edited. Prints files, passages, seconds, passages/s, the peak RSS of each
child (os.wait4) and the index size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_ingest(roots: list[Path], index: Path, dense: str | None) -> tuple[dict[str, Any], float, float]:
    """One `python -m ingest --json` child: (report, wall seconds, peak RSS in MB)."""
    cmd = [sys.executable, "-m", "ingest", *map(str, roots), "--index", str(index), "--json"]
    if dense:
        cmd += ["--dense", dense]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, env={**os.environ, "PYTHONPATH": str(REPO)})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8")
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed with exit code {proc.returncode}:\n{text}")
    return json.loads(text), wall, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def edit_one_file(corpus: Path) -> Path:
    """Append a sentence to the last article of the first Markdown file (one passage changes)."""
    target = sorted(corpus.rglob("*.md"))[0]
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n本条内容为基准测试所加的修改。\n")
    return target


def disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, nargs="+", default=[REPO / "corpus", REPO.parent / "shared" / "corpus"]
    )
    parser.add_argument("--dense", help="dense channels, comma-separated (default: settings' dense)")
    args = parser.parse_args()
    for root in args.corpus:
        if not root.is_dir():
            raise SystemExit(f"{root}: no such corpus directory (pass --corpus DIR [DIR ...])")
    with tempfile.TemporaryDirectory(prefix="regkb-bench-") as tmp:
        index = Path(tmp) / "index"
        roots = [
            Path(tmp) / f"{i}-{root.resolve().parent.name}" / root.name for i, root in enumerate(args.corpus)
        ]
        for root, copy in zip(args.corpus, roots, strict=True):
            shutil.copytree(root, copy)
        corpus = roots[-1]  # the root one file of is edited
        rows = []
        for label in ("cold ingest", "no-change re-ingest", "one-file-changed re-ingest"):
            if label.startswith("one-file"):
                edited = edit_one_file(corpus)
            report, wall, rss = run_ingest(roots, index, args.dense)
            rows.append((label, report, wall, rss))
        generation = index / "generations" / report["generation"]
        print(f"corpus      {' + '.join(map(str, args.corpus))} ({len(rows[0][1]['files_ok'])} files ok, "
              f"{len(rows[0][1]['files_failed'])} failed), passages {rows[0][1]['passages']}")  # fmt: skip
        print(f"channels    {', '.join(rows[0][1]['channels'])}")
        print(
            f"{'run':<28}{'seconds':>9}{'wall s':>9}{'pass/s':>9}{'embedded':>10}{'changed':>9}{'peak RSS MB':>13}"
        )
        for label, rep, wall, rss in rows:
            changed = rep["added"] + rep["updated"] + rep["removed"]
            print(f"{label:<28}{rep['seconds']:>9.1f}{wall:>9.1f}{rep['passages_per_second']:>9.1f}"
                  f"{rep['embedded_total']:>10}{changed:>9}{rss:>13.0f}")  # fmt: skip
        print(f"edited      {edited.relative_to(corpus)}")
        print(f"index size  {disk_mb(generation):.1f} MB per generation, {disk_mb(index):.1f} MB in all "
              f"(2 generations + embedding cache {disk_mb(index / 'embcache.sqlite'):.1f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
