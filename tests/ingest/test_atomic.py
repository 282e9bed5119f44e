"""SIGKILL an ingest at random moments (22 trials): the previous generation must answer exactly as
before, the next ingest must complete, and partial generations must be cleaned up. Two ingests
started at once must not corrupt the index: the second fails fast behind the writer lock."""

from __future__ import annotations

import os
import random
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


QUERIES = ("催收机构修改后的规定", "第2版", "测试法003关于第7项事务的规定", "第1版：催收机构第0号")


def _passage_ids(index: Path) -> tuple[frozenset[str], tuple]:
    """Open the index and use every part of it: the passage ids it serves and its answers to QUERIES."""
    reader = IndexReader.open(index)
    embedder = make_embedder("hash")
    try:
        ids = frozenset(reader.by_id)
        assert reader.dense("hash").count() == len(ids) == len(reader.lexical)
        answers = []
        for query in QUERIES:
            hits = reader.dense("hash").query(embedder.embed_query(query), 5)
            assert len(hits) == 5 and all(pid in ids for pid, _ in hits)
            answers.append((_ranking(hits), _ranking(reader.lexical.search(query, 3))))
        return ids, tuple(answers)
    finally:
        reader.close()


def _ranking(hits: list[tuple[str, float]]) -> tuple:
    """Scores in order, and the ids ranked above the last score (ties at the cut may come in any order)."""
    scores = tuple(round(score, 5) for _, score in hits)
    return scores, frozenset(pid for pid, score in hits if round(score, 5) > scores[-1])


def _partials(index: Path) -> set[str]:
    root = index / GENERATIONS
    return {p.name for p in root.iterdir() if p.name.startswith(".tmp-")} if root.is_dir() else set()


def _writing(index: Path) -> bool:
    return bool(_partials(index))


def _wait_for_tmp_generation(index: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not _writing(index) and time.monotonic() < deadline:
        time.sleep(0.005)


KILLS_FROM_START, KILLS_WHILE_WRITING = 12, 10


def _schedule(seed: int = 20261129) -> list[tuple[str, float]]:
    """Random kill points: fractions of a run from its start, then from when a generation is written."""
    rng = random.Random(seed)
    return [("start", rng.uniform(0.02, 1.0)) for _ in range(KILLS_FROM_START)] + [
        ("writing", rng.uniform(0.0, 0.35)) for _ in range(KILLS_WHILE_WRITING)
    ]


@pytest.mark.integration
def test_sigkill_at_any_moment_leaves_a_usable_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    sets: dict[int, tuple[frozenset[str], tuple]] = {}
    for version in (2, 1):  # the complete passage set and answers of each version (ends on version 1)
        _write_corpus(corpus, version)
        assert _ingest(corpus, index).wait(timeout=300) == 0
        sets[version] = _passage_ids(index)
    assert sets[1][0] != sets[2][0] and sets[1][1] != sets[2][1]
    _write_corpus(corpus, 2)  # a full toggle with warm caches: how long a run to kill lasts
    started = time.perf_counter()
    assert _ingest(corpus, index).wait(timeout=300) == 0
    seconds = time.perf_counter() - started
    version, mid_write, left_behind = 2, 0, set()
    before = _passage_ids(index)
    for trial, (anchor, fraction) in enumerate(_schedule()):
        target = 2 if version == 1 else 1
        generation = IndexReader.current_generation(index)
        _write_corpus(corpus, target)
        proc = _ingest(corpus, index)
        if anchor == "writing":
            _wait_for_tmp_generation(index, proc)
        time.sleep(fraction * seconds)
        if proc.poll() is None:
            mid_write += _writing(index)
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        served = _passage_ids(index)
        where = f"trial {trial} killed at {anchor}+{fraction:.2f}"
        if IndexReader.current_generation(index) == generation:
            assert served == before, f"{where}: the previous index answers differently"
        else:  # the run finished before the kill: the new generation is complete
            assert served[0] == sets[target][0], f"{where}: a mixed index"
            version = target
        before = served
        left_behind |= _partials(index)
    assert mid_write >= 5, (
        f"only {mid_write} kill(s) landed while a generation was written ({seconds:.1f} s runs)"
    )
    assert left_behind, "no kill left a partial generation: the cleanup was never exercised"
    final = _ingest(corpus, index)
    assert final.wait(timeout=300) == 0, final.stderr.read() if final.stderr else ""
    assert _passage_ids(index)[0] == sets[target][0]
    assert not _partials(index)  # every partial generation of the killed runs was removed


@pytest.mark.integration
def test_two_ingests_at_once_one_fails_clearly_and_the_index_stays_whole(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    _write_corpus(corpus, 1)
    first, second = _ingest(corpus, index), None
    _wait_for_tmp_generation(index, first)  # the first holds the lock and is writing
    second = _ingest(corpus, index)
    assert second.wait(timeout=120) == 2
    assert second.stderr is not None and b"another ingest is writing this index" in second.stderr.read()
    assert first.wait(timeout=300) == 0
    ids, _answers = _passage_ids(index)
    assert len(ids) == FILES * ARTICLES and not _partials(index)
