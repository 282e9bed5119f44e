"""The one entry point shared by the app, the evals and the CLI.

    engine = Engine.open(settings)                 # loads models and index once
    engine.ask(question, filters=Filters(), k=10, history=()) -> Answer
    engine.retrieve(question, filters=Filters(), k=10) -> list[Hit]
    engine.lookup(reference) -> list[Passage]      # "民法典第680条" -> that article's passages
    engine.documents() -> list[DocumentInfo]
    engine.passages_of(doc_id) -> list[Passage]    # document order
    engine.check(text) -> list[ClauseResult]        # clause review
    engine.verify(text) -> list[CitationCheck]      # citation verifier
    engine.reload_if_changed() -> bool              # picks up a new index generation

Thread-safe: the loaded state is immutable once built and swapped in one assignment, so
concurrent ask() calls each read one consistent generation.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from regkb import vocab
from regkb.answer import Composed, compose, is_criminal, refusal_text
from regkb.clauses import RISK, ClauseChecker, ClauseTools, quoted_clause, with_redline_basis
from regkb.embedders import Embedder, make_embedder
from regkb.index import IndexReader
from regkb.llm import chat_from_settings, llm_answer
from regkb.lookup import ReferenceFinder
from regkb.memory import QuestionMemory, load_memory
from regkb.names import FuzzyNames, natural_names
from regkb.numerals import DECIMAL_LABEL
from regkb.provisions import ProvisionResolver
from regkb.query import QueryPlan, plan_query
from regkb.questions import normalize, prepare_question
from regkb.ranker import INTERNAL, Candidates, RankerModel
from regkb.reader import ConclusionReader
from regkb.refusal import Decision, RefusalPolicy, evidence
from regkb.retrieval import SITUATION_EMBEDDER, Retriever, dense_slots
from regkb.settings import Settings
from regkb.situations import SituationIndex
from regkb.types import (
    Answer,
    Citation,
    CitationCheck,
    ClauseResult,
    DocumentInfo,
    Filters,
    Hit,
    Passage,
    Provenance,
)
from regkb.verify import verify_citations

log = logging.getLogger(__name__)

MAX_EVIDENCE = 4
EVIDENCE_FLOOR = 0.3  # of the top score; 0.55 loses recall with the learned ranker, none loses precision


@dataclass(frozen=True, slots=True)
class _State:
    """Everything read from one index generation."""

    reader: IndexReader
    retriever: Retriever
    resolver: ProvisionResolver  # retrieval finds every source, citations check the one in force
    finder: ReferenceFinder
    set_aside: frozenset[str] = frozenset()  # the sample policies (Settings.set_aside_samples)


def _set_aside(documents: Sequence[DocumentInfo]) -> frozenset[str]:
    """The sample policies (a fictional company's, DocMeta.sample) once the index holds a company's
    own: they show how rules are written and are no basis for another company's staff."""
    own = any(d.level == INTERNAL and not d.sample for d in documents)
    return frozenset(d.doc_id for d in documents if d.sample) if own else frozenset()


def _scoped(filters: Filters, plan: QueryPlan, state: _State) -> Filters:
    """The filters with the set-aside sample policies left out, unless the user chose documents or
    the question names one of them (「示例催收作业管理办法第十条」 is still looked up)."""
    if not state.set_aside or filters.doc_ids:
        return filters
    named = [*plan.documents, *(ref.document for ref in plan.refs)]
    if any(doc in state.set_aside for name in named for doc in state.resolver.doc_ids(name)):
        return filters
    return replace(filters, excluded=filters.excluded | state.set_aside)


class Engine:
    def __init__(self, settings: Settings, embedders: dict[str, Embedder] | None = None) -> None:
        self.settings = settings
        self._embedders: dict[str, Embedder] = dict(embedders or {})
        self._lock = threading.Lock()
        self._situation_index: SituationIndex | None = None
        # use_memory's filtered memories by (memory, resolver); both kept so their ids stay theirs
        self._held_memories: dict[
            tuple[int, int], tuple[QuestionMemory, ProvisionResolver, QuestionMemory]
        ] = {}
        self._state = self._load()
        self.refusal = RefusalPolicy()
        self._checker: ClauseChecker | None = None
        self.conclusion_reader = ConclusionReader(threads=settings.threads) if settings.reader else None
        self._chat = chat_from_settings(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
        )

    @classmethod
    def open(cls, settings: Settings) -> Engine:
        """Load the index, the models and the red-line rules now, so no user pays for it later."""
        with _collector_paused():
            engine = cls(settings)
            engine.checker()
            engine.ask("催收时能否联系债务人的同事？")  # warms the models, jieba and every lazy path
        return engine

    # ---- loading -----------------------------------------------------------------------
    def _embedder(self, spec: str) -> Embedder:
        if spec not in self._embedders:
            settings = self.settings
            self._embedders[spec] = make_embedder(spec, settings.threads, settings.e5_queries)
        return self._embedders[spec]

    def _load(self) -> _State:
        settings = self.settings
        reader = IndexReader.open(Path(settings.index_dir), settings.chroma_url, settings.chroma_token)
        wanted = set(self.settings.dense)
        embedders = {
            name: self._embedder(spec) for name, spec in reader.embedder_specs.items() if name in wanted
        }
        for name, embedder in embedders.items():
            reader.check_embedder(name, embedder.name)  # e.g. the e5 adapter changed since ingest
        if missing := sorted(wanted - set(embedders)):
            log.warning(
                "%s: no dense channel %s (settings field 'dense'); the ranker reads their features as "
                "absent: run `regkb ingest` to add them",
                settings.index_dir,
                ", ".join(missing),
            )
        aliases = vocab.load_aliases()
        own = {
            name: d.short_title
            for d in reader.documents
            for name in natural_names(d.title, d.short_title, d.issuer)
        }

        def resolve(name: str) -> str | None:
            law = aliases.law_named(name)  # 个税法 -> 中华人民共和国个人所得税法, when the index holds it
            return aliases.resolve(name) or own.get(name) or (own.get(law) if law else None)

        # documents ingested without an alias entry (uploads, the statute book) are found by their
        # own titles too, and the usual short names of laws the alias table lists as not indexed
        held = [n for n in aliases.names(include_not_indexed=True) if n not in own and resolve(n)]
        numbered = {(p.short_title, p.article) for p in reader.passages if DECIMAL_LABEL.match(p.article)}
        # company policies are named by abbreviations too (金禾催收规定); laws by the alias table
        policies = {d.short_title for d in reader.documents if d.level == INTERNAL}
        finder = ReferenceFinder([*held, *own], resolve, FuzzyNames(own.items(), policies), numbered)
        resolver = ProvisionResolver(reader.passages, resolve)
        retriever = Retriever(reader, embedders, resolver, finder, fitted=self.settings.ranker)
        retriever.curated = self.settings.curated
        retriever.situations = self._situations(embedders)
        memory = self._memory(embedders)
        retriever.memory = memory.held(_holds(resolver)) if memory is not None else None
        set_aside = _set_aside(reader.documents) if settings.set_aside_samples else frozenset()
        return _State(reader, retriever, resolver, finder, set_aside)

    def _situations(self, embedders: dict[str, Embedder]) -> SituationIndex | None:
        """The conduct situations embedded once per process (they do not depend on the index)."""
        embedder = _e5(embedders)
        if embedder is None:
            return None
        if self._situation_index is None:
            self._situation_index = SituationIndex.build(embedder, Path(self.settings.index_dir))
        return self._situation_index

    def _memory(self, embedders: dict[str, Embedder]) -> QuestionMemory | None:
        """The shipped question memory, when it was built with this index's e5 embedder."""
        embedder = _e5(embedders)
        memory = load_memory() if embedder is not None and self.settings.memory else None
        if memory is not None and embedder is not None and memory.embedder != embedder.name:
            log.info("question memory built with %s, index uses %s: not used", memory.embedder, embedder.name)
            return None
        return memory

    @property
    def memory(self) -> QuestionMemory | None:
        """The question memory in use: the past questions whose gold articles this index holds."""
        return self._state.retriever.memory

    def use_memory(self, memory: QuestionMemory | None) -> None:
        """Swap the question memory (training builds features with out-of-fold memories; it swaps
        per question among a few, so each one's filtering, about 4 ms, is done once)."""
        state = self._state
        if memory is None:
            state.retriever.memory = None
            return
        key = (id(memory), id(state.resolver))
        if key not in self._held_memories:
            if len(self._held_memories) >= 16:
                self._held_memories.clear()
            self._held_memories[key] = (memory, state.resolver, memory.held(_holds(state.resolver)))
        state.retriever.memory = self._held_memories[key][2]

    def use_ranker(self, model: RankerModel | None) -> None:
        """Swap the ranker model (training's refusal calibration reads each train question's
        evidence from a ranker fitted without it, as a new question's is)."""
        self._state.retriever.model = model

    def reload_if_changed(self) -> bool:
        current = IndexReader.current_generation(Path(self.settings.index_dir))
        if current is None or current == self._state.reader.generation:
            return False
        with self._lock:
            if current != self._state.reader.generation:
                self._state = self._load()
                self._checker = None
                return True
        return False

    @property
    def generation(self) -> str:
        return self._state.reader.generation

    # ---- retrieval ---------------------------------------------------------------------
    def plan(self, question: str, history: Sequence[str] = ()) -> QueryPlan:
        return self._plan(question, self._state, history)

    def retrieve(self, question: str, filters: Filters | None = None, k: int = 10) -> list[Hit]:
        state = self._state
        plan = self._plan(question, state)
        return state.retriever.search(plan, _scoped(filters or Filters(), plan, state), k)[1]

    def candidates(self, question: str, filters: Filters | None = None) -> tuple[Candidates, list[Passage]]:
        """Every channel's proposals as the ranker's feature rows, with their passages (for training)."""
        state = self._state
        plan = self._plan(question, state)
        filters = _scoped(filters or Filters(), plan, state)
        found = state.retriever.candidates(plan, state.retriever.rank(plan, filters), filters)
        return found, [state.reader.by_id[pid] for pid in found.ids]

    def refusal_evidence(self, question: str) -> np.ndarray:
        """The evidence row the refusal calibration reads for a question (for training it)."""
        state = self._state
        plan = self._plan(question, state)
        ranked, hits = state.retriever.search(plan, _scoped(Filters(), plan, state), 10)
        return evidence(plan, ranked, hits)

    def _plan(self, question: str, state: _State, history: Sequence[str] = ()) -> QueryPlan:
        earlier = [normalize(text) for text in history]
        first = functools.partial(_first_article, state)
        text = normalize(question)
        return plan_query(text, state.finder, earlier, self.settings.curated, first, state.resolver.holders)

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        k: int = 10,
        history: Sequence[str] = (),
    ) -> Answer:
        question, notice = prepare_question(question)  # EmptyQuestionError; long ones truncated
        state = self._state
        filters = filters or Filters()
        t0 = time.perf_counter()
        plan = self._plan(question, state, history)
        filters = _scoped(filters, plan, state)
        ranked, hits = state.retriever.search(plan, filters, k)
        t1 = time.perf_counter()
        notes = [*notice, *_plan_notes(plan)]
        decision = self.refusal.decide(plan, ranked, hits, state.resolver)
        review = self._review(question, hits)  # before the answer: a clause verdict informs the conclusion
        verdict = review.verdict if review else None
        if decision.refuse and review is not None and review.verdict == RISK:
            # the quoted draft crosses a red line: its rules' provisions are a basis however weak the
            # retrieval, and 「知识库中没有找到依据」 would hide the risk
            hits, decision = with_redline_basis(review, hits, filters.admits), Decision(False)
        if decision.refuse:
            text = refusal_text(hits[:3], decision.reason)
            answer = Answer(question, text, (), tuple(hits), True, {}, tuple(notes))
        else:
            replaced = [
                f"《{old}》已废止，其规定现由《{new}》承继：以下依据《{new}》" for old, new in plan.replaced
            ]
            answer = self._answer(question, plan, hits, [*notes, *replaced], verdict)
        t2 = time.perf_counter()
        timings = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        return _with(answer, timings, verdict)

    def _answer(
        self, question: str, plan: QueryPlan, hits: Sequence[Hit], notes: list[str], verdict: str | None
    ) -> Answer:
        """The extractive answer (conclusion, 依据, 相关条文), replaced by a verified LLM answer if configured."""
        evidence = self._evidence(plan, hits)
        extra = [h for h in hits[: MAX_EVIDENCE + 2] if h not in evidence and h.passage.article]
        # a follow-up's form is read with what it carries (「那他父母呢？」 asks what the previous 「能…吗」 asked)
        asked = plan.question if plan.carried else question
        composed = compose(
            evidence, asked, plan.lexical_text, bool(plan.refs), verdict, extra, self.conclusion_reader
        )
        text, citations, notes = self._llm(question, hits, composed, notes)
        criminal = any(is_criminal(c.passage) for c in citations)
        return Answer(
            question,
            text,
            citations,
            tuple(hits),
            False,
            {},
            tuple(notes),
            criminal,
            conclusion=composed.conclusion,
            related=composed.related,
            supports=composed.supports,
        )

    def _llm(
        self, question: str, hits: Sequence[Hit], composed: Composed, notes: list[str]
    ) -> tuple[str, tuple[Citation, ...], list[str]]:
        """An LLM-written answer when one is configured and it verifies; else the extractive one.

        The LLM's conclusion label is checked against the rule-based one; a disagreement is flagged.
        """
        if self._chat is None:
            return composed.text, composed.citations, notes
        result = llm_answer(
            question,
            [h.passage for h in hits[:6]],
            self._chat,
            self._state.resolver,
            self.settings.llm_timeout_s,
            expected_label=composed.conclusion.label,
        )
        if result is None or result.refused:
            return composed.text, composed.citations, [*notes, "LLM 未给出可核实的回答，已使用摘录式回答"]
        return result.text, result.citations, [*notes, *result.flags]

    def _evidence(self, plan: QueryPlan, hits: Sequence[Hit]) -> list[Hit]:
        """An article lookup cites just those articles; otherwise the top hits scoring at least
        EVIDENCE_FLOOR of the best (with the learned ranker or plain rank fusion alike: picked on the
        train splits); compose then cites only those that address the question."""
        looked_up = [h for h in hits if "lookup" in h.channels]
        if looked_up:
            return looked_up
        floor = hits[0].score * EVIDENCE_FLOOR
        chosen = [h for h in hits[:MAX_EVIDENCE] if h.score >= floor and h.passage.article]
        return chosen or list(hits[:1])

    def _review(self, question: str, hits: Sequence[Hit]) -> ClauseResult | None:
        """For a question quoting a draft clause, the clause review (reusing the hits)."""
        clause = quoted_clause(question)
        if clause is None:
            return None
        return self.checker().review_clause("1", clause, tuple(hits[:5]))

    # ---- browsing ----------------------------------------------------------------------
    def lookup(self, reference: str) -> list[Passage]:
        state = self._state
        found: list[Passage] = []
        for ref in state.finder.find(normalize(reference), asked=True):
            found.extend(state.resolver.find(ref.document, ref.article))
        return found

    def documents(self) -> list[DocumentInfo]:
        return list(self._state.reader.documents)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self._state.reader.passages_of(doc_id)

    def has_article(self, name: str, article: str) -> bool | None:
        return self._state.resolver.has_article(name, article)

    # ---- review ------------------------------------------------------------------------
    def clause_tools(self) -> ClauseTools:
        """What clause review reads from the index (the generation current at each call)."""
        return ClauseTools(
            provisions=lambda title, article: self._state.resolver.find(title, article),
            has_article=self.has_article,
            retrieve=lambda text, k: self.retrieve(text, k=k),
            plan=self.plan,
        )

    def checker(self) -> ClauseChecker:
        """The red-line rules, loaded and validated against this index once."""
        checker = self._checker
        if checker is None:
            checker = ClauseChecker.load(self.clause_tools(), Path(self.settings.redlines))
            self._checker = checker
        return checker

    def check(self, text: str) -> list[ClauseResult]:
        return self.checker().review(text)

    def verify(self, text: str) -> list[CitationCheck]:
        return verify_citations(text, self._state.resolver)


OVERVIEW_NOTE = "问题只有文件名：显示其第一条；全文见「法规浏览」"


def _plan_notes(plan: QueryPlan) -> list[str]:
    """What the answer says about how the question was read: the words carried from the previous
    turn, a document asked for by its name alone, articles of titles the index lacks."""
    notes = [f"沿用上文：{'、'.join(plan.carried)}"] if plan.carried else []
    notes += [OVERVIEW_NOTE] if plan.overview else []
    if plan.unknown and plan.refs:  # answered on the articles the index holds; the rest named
        notes.append(f"知识库未收录{'、'.join(f'《{t}》' for t in plan.unknown)}，其条文未予检索")
    return notes


def _first_article(state: _State, name: str) -> str | None:
    """The label of the first article of the document of that name in force (None for a 全文 text)."""
    doc_id = state.resolver.current(name)
    passages = state.reader.passages_of(doc_id) if doc_id else []
    return next((p.article for p in passages if p.article and p.article != "全文"), None)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading creates some 260,000 container objects and frees few (about 7,000 were collected),
    so the cyclic collector's passes over them were nearly idle work (0.4-0.7 s of a cold start,
    three of them full passes). It is paused
    while loading (process-wide: other threads allocate without it meanwhile) and resumed after;
    reference counting frees as usual throughout."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _with(answer: Answer, timings: dict[str, float], verdict: str | None) -> Answer:
    from dataclasses import replace

    return replace(answer, timings_ms={k: round(v, 2) for k, v in timings.items()}, verdict=verdict)


def _holds(resolver: ProvisionResolver) -> Callable[[Provenance], bool]:
    """Whether this index holds an article (for QuestionMemory.held)."""
    return lambda p: bool(resolver.find(p.title, p.article))


def _e5(embedders: dict[str, Embedder]) -> Embedder | None:
    """The index's e5-family embedder (what the situations and the question memory compare with)."""
    slots = dense_slots(embedders)
    return next((e for name, e in embedders.items() if slots[name] == SITUATION_EMBEDDER), None)
