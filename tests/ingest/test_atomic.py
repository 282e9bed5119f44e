"""SIGKILL an ingest at several moments: the previous generation must stay fully usable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regkb.embedders import make_embedder
from regkb.index import GENERATIONS, IndexReader
from tests.ingest.factory import entry, write_law, write_manifest

REPO = Path(__file__).resolve().parents[2]
FILES, ARTICLES = 80, 40  # ~3,200 passages: a run lasts several seconds


def _write_corpus(root: Path, version: int) -> None:
    """Version 1 and 2 differ in every fourth file's third article; file 0 exists only in version 1."""
    entries = []
    for i in range(FILES):
        rel = f"laws/law{i:03d}.md"
        if version == 2 and i == 0:
            (root / rel).unlink(missing_ok=True)
            continue
        changed = {3: f"第{version}版：催收机构第{i}号修改后的规定。"} if i % 4 == 0 else None
        write_law(root, rel, f"测试法{i:03d}", ARTICLES, changed)
        entries.append(entry(rel, f"测试法{i:03d}", ARTICLES))
    write_manifest(root, entries)


def _ingest(corpus: Path, index: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--dense", "hash"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _passage_ids(index: Path) -> frozenset[str]:
    """Open the index and use every part of it; returns the passage ids it serves."""
    reader = IndexReader.open(index)
    try:
        ids = frozenset(reader.by_id)
        assert reader.dense("hash").count() == len(ids) == len(reader.lexical)
        hits = reader.dense("hash").query(make_embedder("hash").embed_query("催收机构修改后的规定"), 5)
        assert len(hits) == 5 and all(pid in ids for pid, _ in hits)
        assert reader.lexical.search("催收机构", 3)
        return ids
    finally:
        reader.close()


def _writing(index: Path) -> bool:
    return any(p.name.startswith(".tmp-") for p in (index / GENERATIONS).iterdir())


def _wait_for_tmp_generation(index: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not _writing(index) and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.integration
def test_sigkill_at_any_moment_leaves_a_usable_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    sets: dict[int, frozenset[str]] = {}
    for version in (2, 1):  # the complete passage set of each version (ends on version 1)
        _write_corpus(corpus, version)
        assert _ingest(corpus, index).wait(timeout=300) == 0
        sets[version] = _passage_ids(index)
    assert sets[1] != sets[2]
    _write_corpus(corpus, 2)  # a full toggle with warm caches: how long a run to kill lasts
    started = time.perf_counter()
    assert _ingest(corpus, index).wait(timeout=300) == 0
    seconds = time.perf_counter() - started
    version, mid_write = 2, 0
    # kills at fixed fractions of a run, then kills timed from the moment a generation is being
    # written (so the mid-write case is exercised however fast this machine is)
    schedule = [("start", f) for f in (0.1, 0.3, 0.5, 0.75, 0.95)] + [
        ("writing", f) for f in (0.0, 0.05, 0.1, 0.3)
    ]
    for anchor, fraction in schedule:
        target = 2 if version == 1 else 1
        _write_corpus(corpus, target)
        proc = _ingest(corpus, index)
        if anchor == "writing":
            _wait_for_tmp_generation(index, proc)
        time.sleep(fraction * seconds)
        finished = proc.poll() is not None
        if not finished:
            mid_write += _writing(index)
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        served = _passage_ids(index)
        assert served in (sets[version], sets[target]), f"killed at {anchor}+{fraction}: a mixed index"
        version = target if served == sets[target] else version
    assert mid_write >= 3, (
        f"only {mid_write} kill(s) landed while a generation was written ({seconds:.1f} s runs)"
    )
    final = _ingest(corpus, index)
    assert final.wait(timeout=300) == 0, final.stderr.read() if final.stderr else ""
    assert _passage_ids(index) == sets[target]
    assert not [p for p in (index / GENERATIONS).iterdir() if p.name.startswith(".tmp-")]
