"""Run a system over eval questions: question in, SystemOutput out, scored per question.

A *system* is anything callable on an ``EvalQuestion`` that returns a ``SystemOutput``: the
regkb engine (``RegkbSystem``) or a baseline (evals.baselines). A system that only
retrieves (``retrieval_only = True``) is scored on retrieval; answer metrics stay empty.
A question on which the system raises is recorded as a failure and scored as if nothing
was retrieved, so failures cost recall rather than vanish from the average.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tqdm import tqdm

from evals.dataset import EvalQuestion
from evals.metrics import Ref
from regkb.quotes import quote_matches

if TYPE_CHECKING:
    from regkb.engine import Engine
    from regkb.types import Answer, Filters, Passage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CitedRef:
    ref: Ref
    quote: str


@dataclass(frozen=True, slots=True)
class SystemOutput:
    retrieved: tuple[Ref, ...] = ()  # rank order, one entry per passage or chunk
    cited: tuple[CitedRef, ...] = ()
    answer: str = ""
    refused: bool = False
    verdict: str | None = None
    latency_ms: float | None = None  # None: the runner's wall-clock time is used
    conclusion: str | None = None  # the conclusion label (不可以 / 可以 / 有条件可以 / 视情况而定)


class System(Protocol):
    name: str
    retrieval_only: bool

    def __call__(self, question: EvalQuestion) -> SystemOutput: ...

    def check_citation(self, ref: Ref, quote: str) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one system did on one question (``error`` set when it raised)."""

    question: EvalQuestion
    output: SystemOutput
    latency_ms: float
    error: str | None = None
    invalid_citations: tuple[CitedRef, ...] = ()
    valid_citations: int = 0


@dataclass(slots=True)
class Unavailable:
    """A system that could not be set up (e.g. a baseline whose install failed)."""

    name: str
    reason: str
    retrieval_only: bool = True
    errors: list[str] = field(default_factory=list)


def run_one(system: System, question: EvalQuestion) -> Outcome:
    start = time.perf_counter()
    try:
        output = system(question)
        error = None
    except Exception as exc:  # a failing question is counted, not fatal
        log.warning("%s failed on %s: %s", system.name, question.id, exc)
        output, error = SystemOutput(), f"{type(exc).__name__}: {exc}"
    wall = (time.perf_counter() - start) * 1000.0
    invalid: list[CitedRef] = []
    for cited in output.cited:
        try:
            ok = system.check_citation(cited.ref, cited.quote)
        except Exception as exc:
            log.warning("citation check failed for %s: %s", cited.ref.label, exc)
            ok = False
        if not ok:
            invalid.append(cited)
    latency = output.latency_ms if output.latency_ms is not None else wall
    return Outcome(question, output, latency, error, tuple(invalid), len(output.cited) - len(invalid))


def run_system(
    system: System, questions: Sequence[EvalQuestion], progress: bool = True, warmup: bool = True
) -> list[Outcome]:
    """Ask every question in order, with a progress bar on stderr.

    With ``warmup`` the first question is asked once, untimed and unscored, so lazy model
    loading does not land in the latency percentiles.
    """
    if warmup and questions:
        try:
            system(questions[0])
        except Exception as exc:  # the scored call will record it
            log.info("warm-up call failed: %s", exc)
    bar = tqdm(questions, desc=system.name, unit="q", disable=not progress, leave=False)
    return [run_one(system, q) for q in bar]


def ref_of(passage: Passage) -> Ref:
    return Ref(passage.doc_id, passage.article, passage.title, passage.short_title)


def output_of(answer: Answer) -> SystemOutput:
    """Translate an engine Answer into what the scorer reads."""
    return SystemOutput(
        retrieved=tuple(ref_of(hit.passage) for hit in answer.retrieved),
        cited=tuple(CitedRef(ref_of(c.passage), c.quote) for c in answer.citations),
        answer=answer.text,
        refused=answer.refused,
        verdict=answer.verdict,
        latency_ms=None,  # wall clock around ask(), which includes the verdict step
        conclusion=answer.conclusion.label if answer.conclusion else None,
    )


class RegkbSystem:
    """The regkb engine: ``Engine.ask`` per question; citations checked against the index."""

    retrieval_only = False

    def __init__(self, engine: Engine, filters: Filters | None = None, k: int = 10, name: str = "regkb"):
        from regkb.types import Filters

        self.name = name
        self._engine = engine
        self._filters = filters or Filters()
        self._k = k
        self._docs: dict[str, list[Passage]] = {}

    def __call__(self, question: EvalQuestion) -> SystemOutput:
        return output_of(self._engine.ask(question.question, filters=self._filters, k=self._k))

    def check_citation(self, ref: Ref, quote: str) -> bool:
        """The article exists in the index and one of its passages holds the quote verbatim."""
        if ref.doc not in self._docs:
            self._docs[ref.doc] = list(self._engine.passages_of(ref.doc))
        passages = [p for p in self._docs[ref.doc] if p.article == ref.article]
        return bool(quote) and any(quote_matches(quote, p.text) for p in passages)

    def close(self) -> None:
        close = getattr(self._engine, "close", None)
        if callable(close):
            close()
