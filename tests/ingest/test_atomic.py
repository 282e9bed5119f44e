"""SIGKILL an ingest at every named checkpoint of its write and at random moments between them
(26 trials): the previous generation must answer exactly as before until the atomic switch, the
complete new version after it, the next ingest must complete, and partial generations must be
cleaned up. Two ingests started at once must not corrupt the index: the second fails fast behind
the writer lock.

The kills are placed by ingest.checkpoints (REGKB_INGEST_CHECKPOINTS): the ingest stops at each
checkpoint until the test resumes it, so a kill "at" a checkpoint lands exactly there however
slow the machine, and a kill at a random moment after one lands before the next (or, on a slow
machine, at the next, where the ingest waits): where every kill landed is known, not guessed.
"""

from __future__ import annotations

import logging
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingest import checkpoints
from ingest.checkpoints import ENV
from regkb.embedders import make_embedder
from regkb.errors import ConfigError
from regkb.index import GENERATIONS, IndexReader
from tests.ingest.factory import entry, write_law, write_manifest

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]
FILES, ARTICLES = 80, 40  # ~3,200 passages: a run lasts several seconds

# ingest.checkpoints' names in the order a run that changes the index reaches them
CHECKPOINTS = (
    "locked", "read", "generation-created", "dense-copied", "dense-written", "passages-written",
    "documents-written", "lexical-written", "manifest-written", "report-written", "fsynced",
    "renamed", "switch-pending", "switched", "collected",
)  # fmt: skip
WRITING = CHECKPOINTS[CHECKPOINTS.index("generation-created") : CHECKPOINTS.index("renamed")]
SWITCH = CHECKPOINTS.index("switched")  # CURRENT names the new generation from here on


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


def _ingest(
    corpus: Path, index: Path, env: Mapping[str, str] | None = None, fds: tuple[int, ...] = ()
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--dense", "hash"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, pass_fds=fds,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


class _Run:
    """An ingest that stops at each checkpoint (ingest.checkpoints) until the test resumes it."""

    def __init__(self, corpus: Path, index: Path) -> None:
        reached_r, reached_w = os.pipe()
        resume_r, resume_w = os.pipe()
        self.started = time.perf_counter()
        self.proc = _ingest(corpus, index, {ENV: f"{reached_w},{resume_r}"}, (reached_w, resume_r))
        os.close(reached_w)
        os.close(resume_r)
        self._reached, self._resume, self._buffer = reached_r, resume_w, b""
        self.seen: list[str] = []  # checkpoints reached, in order
        self.paused = False

    def resume(self) -> None:
        if self.paused:
            os.write(self._resume, b"\n")
            self.paused = False

    def next(self, timeout: float = 120) -> str | None:
        """Resume if paused; the next checkpoint reached (paused there), or None: the ingest ended."""
        self.resume()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self._reached], [], [], timeout)
            assert ready, f"no checkpoint within {timeout} s after {self.seen}"
            chunk = os.read(self._reached, 256)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        self.seen.append(line.decode())
        self.paused = True
        return self.seen[-1]

    def until(self, name: str) -> float:
        """Run on to checkpoint `name` (paused there); seconds since the start."""
        while not (self.paused and self.seen[-1] == name):
            assert self.next() is not None, f"the ingest ended before {name}: {self._stderr()}"
        return time.perf_counter() - self.started

    def kill(self) -> str | None:
        """SIGKILL now; the last checkpoint the ingest had reached (None: none)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self.paused = False  # nothing to resume: the ingest is gone
        while self.next() is not None:  # a checkpoint reported just before the kill
            self.paused = False
        return self.close()

    def finish(self) -> int:
        """Resume through every remaining checkpoint; the exit code."""
        while self.next() is not None:
            pass
        self.close()
        return self.proc.wait(timeout=300)

    def close(self) -> str | None:
        for fd in (self._reached, self._resume):
            os.close(fd)
        self._reached = self._resume = -1
        return self.seen[-1] if self.seen else None

    def _stderr(self) -> str:
        self.proc.wait(timeout=60)
        return self.proc.stderr.read().decode() if self.proc.stderr else ""


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


KILLS_BEFORE_WRITING, KILLS_WHILE_WRITING = 3, 8
Kill = tuple[str | None, float]  # (checkpoint to run on from, None: the start; seconds to run on)


def _schedule(timeline: Mapping[str, float], seed: int = 20261129) -> list[Kill]:
    """Every checkpoint itself, then random moments of a run timed by the checkpoints it reached:
    before the generation directory exists (from the process start on) and while it is written
    up to the switch and the clean-up after it. Shuffled, so kills follow each other in many orders."""
    rng = random.Random(seed)
    created, collected = timeline["generation-created"], timeline["collected"]
    moments = [rng.uniform(0, created) for _ in range(KILLS_BEFORE_WRITING)]
    moments += [rng.uniform(created, collected) for _ in range(KILLS_WHILE_WRITING)]
    kills: list[Kill] = [(name, 0.0) for name in CHECKPOINTS]
    for moment in moments:
        last = max((n for n in CHECKPOINTS if timeline[n] <= moment), key=timeline.__getitem__, default=None)
        kills.append((last, moment - (timeline[last] if last else 0.0)))
    rng.shuffle(kills)
    return kills


def _kill(corpus: Path, index: Path, after: str | None, seconds: float) -> str | None:
    """Start an ingest, kill it `seconds` after checkpoint `after` (or its start); the last
    checkpoint it had reached."""
    run = _Run(corpus, index)
    if after is not None:
        run.until(after)
    if seconds > 0:
        if after is not None:
            run.resume()  # a checkpoint reached before the kill is reported by kill()
        time.sleep(seconds)
    return run.kill()


def _timeline(corpus: Path, index: Path) -> dict[str, float]:
    """Run an ingest through, resuming at once at each checkpoint: when each was reached (s from the start)."""
    run, times = _Run(corpus, index), {}
    while (name := run.next()) is not None:
        times[name] = time.perf_counter() - run.started
    run.close()
    assert run.proc.wait(timeout=300) == 0, run._stderr()
    assert tuple(run.seen) == CHECKPOINTS, f"the ingest's checkpoints changed: {run.seen}"
    return times


@dataclass(slots=True)
class _Trials:
    """What the kills did to the index so far; `check` verifies each trial's outcome."""

    sets: Mapping[int, tuple[frozenset[str], tuple]]  # each version's passage ids and answers
    before: tuple[frozenset[str], tuple]  # what the index served before this trial
    version: int = 2
    mid_write: int = 0  # kills that left this run's generation half-written
    between: int = 0  # random kills that landed before the next checkpoint was reached
    left_behind: set[str] = field(default_factory=set)

    def check(
        self, index: Path, kill: Kill, reached: str | None, old: str | None, partials: set[str]
    ) -> None:
        """old: the generation current before the trial; partials: the temporary ones left before it."""
        after, seconds = kill
        where = f"killed {seconds:.2f} s after {after or 'the start'}, last checkpoint reached {reached}"
        written = _partials(index) - partials
        if seconds == 0 and after is not None:  # paused exactly there
            assert bool(written) == (after in WRITING), f"{where}: temporary generations {written}"
        self.between += seconds > 0 and reached == after
        step = CHECKPOINTS.index(reached) if reached else -1
        served = _passage_ids(index)
        if IndexReader.current_generation(index) == old:
            assert step < SWITCH, f"{where}: CURRENT still names the previous generation"
            assert served == self.before, f"{where}: the previous index answers differently"
        else:  # the switch to the complete new version happened before the kill
            assert step >= SWITCH - 1, f"{where}: CURRENT switched before the generation was complete"
            self.version = 1 if self.version == 2 else 2
            assert served[0] == self.sets[self.version][0], f"{where}: a mixed index"
        self.before, self.mid_write = served, self.mid_write + bool(written)
        self.left_behind |= _partials(index)


@pytest.mark.integration
def test_sigkill_at_any_moment_leaves_a_usable_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    sets: dict[int, tuple[frozenset[str], tuple]] = {}
    for version in (2, 1):  # the complete passage set and answers of each version (ends on version 1)
        _write_corpus(corpus, version)
        assert _ingest(corpus, index).wait(timeout=300) == 0
        sets[version] = _passage_ids(index)
    assert sets[1][0] != sets[2][0] and sets[1][1] != sets[2][1]
    _write_corpus(corpus, 2)  # a full toggle with warm caches: when a run reaches each checkpoint
    timeline = _timeline(corpus, index)
    trials = _Trials(sets, _passage_ids(index))
    kills = _schedule(timeline)
    for kill in kills:
        old, partials = IndexReader.current_generation(index), _partials(index)
        _write_corpus(corpus, 2 if trials.version == 1 else 1)
        trials.check(index, kill, _kill(corpus, index, *kill), old, partials)
    random_kills = len(kills) - len(CHECKPOINTS)
    log.info("%d of %d random kills landed between two checkpoints", trials.between, random_kills)
    assert trials.mid_write >= len(WRITING), f"only {trials.mid_write} kill(s) landed mid-write"
    assert trials.left_behind, "no kill left a partial generation: the cleanup was never exercised"
    final = _ingest(corpus, index)
    assert final.wait(timeout=300) == 0, final.stderr.read() if final.stderr else ""
    assert _passage_ids(index)[0] == sets[2 if trials.version == 1 else 1][0]
    assert not _partials(index)  # every partial generation of the killed runs was removed


@pytest.mark.integration
def test_two_ingests_at_once_one_fails_clearly_and_the_index_stays_whole(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    _write_corpus(corpus, 1)
    first = _Run(corpus, index)
    first.until("generation-created")  # the first holds the lock and is writing (paused there)
    second = _ingest(corpus, index)
    assert second.wait(timeout=120) == 2
    assert second.stderr is not None and b"another ingest is writing this index" in second.stderr.read()
    assert first.finish() == 0
    ids, _answers = _passage_ids(index)
    assert len(ids) == FILES * ARTICLES and not _partials(index)


def test_a_malformed_checkpoint_setting_names_the_variable_and_the_fix() -> None:
    assert checkpoints._pipes(None) is None and checkpoints._pipes("") is None  # off: no pipes
    with pytest.raises(ConfigError, match=f"{checkpoints.ENV}='3'.*unset it"):
        checkpoints._pipes("3")
