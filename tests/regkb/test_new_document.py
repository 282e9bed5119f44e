"""A policy no vocabulary, example or training question mentions is found like any other.

tests/fixtures/newdoc and tests/fixtures/newdoc2 each hold a policy of a company the project has
never met (a deceased or missing debtor's case; tracing a customer who cannot be reached), and
questions written from it alone. Each document is ingested beside the usual corpus with the real
embedders; its questions must find their articles (R@5 ≥ 0.8) and its lookups by short name must
resolve to the article asked for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import load_questions
from evals.metrics import Ref, recall_at_k
from evals.runner import ref_of
from tests.conftest import REPO, engine_beside_corpus

pytestmark = pytest.mark.integration
NEWDOC = REPO / "tests" / "fixtures" / "newdoc"
POLICY = NEWDOC / "deceased-debtor-cases.md"
POLICIES = [POLICY, REPO / "tests" / "fixtures" / "newdoc2" / "skip-tracing.md"]


@pytest.fixture(scope="module")
def engine(real_index: Path, tmp_path_factory: pytest.TempPathFactory):
    return engine_beside_corpus(real_index, tmp_path_factory.mktemp("newdoc") / "index", POLICY)


@pytest.fixture(scope="module", params=POLICIES, ids=lambda p: p.parent.name)
def policy_engine(request: pytest.FixtureRequest, real_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """(policy, engine over the corpus and that policy), one per fixture policy."""
    policy: Path = request.param
    if policy == POLICY:
        return policy, request.getfixturevalue("engine")
    index = tmp_path_factory.mktemp(policy.parent.name) / "index"
    return policy, engine_beside_corpus(real_index, index, policy)


def _refs(refs) -> list[Ref]:
    return [Ref(r.doc, r.article, r.title, r.short_title) for r in refs]


def test_questions_about_the_new_policy_find_its_articles(policy_engine) -> None:
    """R@5 as the evals define it (a gold or acceptable article in the top 5) ≥ 0.8, and the new
    policy itself among the top 5 for at least half of them (it is not hidden behind the laws)."""
    policy, engine = policy_engine
    questions = load_questions(policy.parent / "questions.jsonl")
    assert len(questions) >= 10
    recall, own = [], []
    for q in questions:
        retrieved = [ref_of(h.passage) for h in engine.retrieve(q.question, k=5)]
        recall.append(recall_at_k(retrieved, _refs(q.gold), _refs(q.acceptable), 5))
        own.append(any(r.doc.endswith(policy.name) for r in retrieved))
    missed = [q.id for q, r in zip(questions, recall, strict=True) if not r]
    assert sum(recall) / len(questions) >= 0.8, f"R@5 {sum(recall) / len(questions):.2f}; missed {missed}"
    # a floor, not a target: on 2026-11-29 newdoc's policy was in the top 5 for 11 of 16
    assert sum(own) / len(questions) >= 0.5, "the new policy is missing from most top-5 lists"


def test_lookups_by_any_short_name_resolve(policy_engine) -> None:
    policy, engine = policy_engine
    lookups = [q for q in load_questions(policy.parent / "questions.jsonl") if q.type == "article_lookup"]
    assert len(lookups) >= 2
    for question in lookups:
        top = engine.retrieve(question.question, k=1)[0].passage
        assert top.doc_id.endswith(policy.name) and top.article == question.gold[0].article, question.question


def test_the_new_policy_is_answered_not_refused(policy_engine) -> None:
    policy, engine = policy_engine
    questions = [q for q in load_questions(policy.parent / "questions.jsonl") if q.type == "colloquial"]
    refused = [q.id for q in questions if engine.ask(q.question).refused]
    assert len(refused) <= len(questions) // 5, f"refused {refused}"


def test_its_definitions_answer_meaning_questions(engine) -> None:
    """The policy defines its words in a list (（三）暂缓处置期，是指……); asked what one means, the
    engine answers with that article first, not refused (regkb/definitions.py)."""
    for question in ("暂缓处置期是什么意思？", "这里说的家属具体指哪些人"):
        answer = engine.ask(question)
        assert not answer.refused, question
        top = answer.retrieved[0].passage
        assert top.doc_id.endswith(POLICY.name) and "是指" in top.text, (question, top.citation_label)
