"""`regkb ingest` progress: tqdm on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.cli import _LogLines, format_seconds
from tests.ingest.factory import small_corpus

REPO = Path(__file__).resolve().parents[2]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_log_lines_are_periodic_per_stage_and_end_each_stage(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    lines = _LogLines(interval_s=10, clock=clock)
    with caplog.at_level(logging.INFO, logger="ingest.progress"):
        for done in range(0, 1001, 10):  # 100 calls over 50 s of embedding
            lines("embed:e5", done, 1000)
            clock.now += 0.5
        lines("embed:e5", 1000, 1000)  # repeated end: not logged twice
        lines("embed:use", 0, 0)  # nothing to embed: silent
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "embed:e5: 0/1000 (0%)"
    assert messages[-1] == "embed:e5: 1000/1000 (100%)"
    assert len(messages) == 6  # at 0, 10, 20, 30, 40 s and the end (50 s)
    assert messages[1] == "embed:e5: 200/1000 (20%), ETA 40s"  # 200 in 10 s: 800 left take 40 s
    assert messages[4] == "embed:e5: 800/1000 (80%), ETA 10s"


def test_eta_is_measured_from_the_stage_start_and_formatted_in_minutes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = _Clock()
    lines = _LogLines(interval_s=10, clock=clock)
    with caplog.at_level(logging.INFO, logger="ingest.progress"):
        lines("documents", 0, 367)
        clock.now = 60.0
        lines("documents", 10, 367)  # 10 documents a minute: 357 left take 35 min 42 s
        clock.now = 7200.0
        lines("passages", 100, 25000)  # first report of a stage: no rate yet, no ETA
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "documents: 0/367 (0%)",
        "documents: 10/367 (2%), ETA 35m42s",
        "passages: 100/25000 (0%)",
    ]
    assert format_seconds(3725) == "1h02m"


@pytest.mark.integration
def test_ingest_without_a_terminal_logs_progress_without_verbose(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    done = subprocess.run(
        [sys.executable, "-m", "regkb.cli", "ingest", str(tmp_path / "corpus"), "--index", str(tmp_path / "i"),
         "--dense", "hash"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ}, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "INFO ingest.progress: files: 3/3 (100%)" in done.stderr
    assert "INFO ingest.progress: embed:hash: 12/12 (100%)" in done.stderr
