"""Answers about a policy numbered 1.1 / 2.3.1 cite its clauses by number, with the real embedders.

tests/fixtures/numbered/questions.jsonl was written from the policy alone, by a writer who saw no
ranking and no other question. The policy is ingested beside the usual corpus, as
tests/regkb/test_new_document.py ingests its policy. How often its clauses are found is a
benchmark figure, not a test (README: `regkb eval --questions tests/fixtures/numbered/questions.jsonl`):
R@5 was 8 of 12 on 2026-11-30, because the sample company's policies in corpus/internal answer the
same questions and rank first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import load_questions
from tests.conftest import REPO, engine_beside_corpus

pytestmark = pytest.mark.integration
NUMBERED = REPO / "tests" / "fixtures" / "numbered"
POLICY = NUMBERED / "outsourced-calls.md"


@pytest.fixture(scope="module")
def engine(real_index: Path, tmp_path_factory: pytest.TempPathFactory):
    return engine_beside_corpus(real_index, tmp_path_factory.mktemp("numbered-real") / "index", POLICY)


def test_answers_cite_the_clause_by_its_number(engine) -> None:
    questions = load_questions(NUMBERED / "questions.jsonl")
    cited = [
        c.label
        for q in questions
        for c in engine.ask(q.question).citations
        if c.passage.doc_id.endswith(POLICY.name)
    ]
    assert cited, "no answer cites the numbered policy"
    assert all(label.startswith("《青梧委外电话催收作业规范》") and label[-1].isdigit() for label in cited)


def test_its_caps_and_hours_lead_the_questions_they_measure(engine) -> None:
    """The policy caps calls (2.2 「每日主动呼叫同一债务人不得超过三次」) and sets hours (2.3) in its own
    words; a question counting calls or naming a time of a call has them among its leading hits beside
    the sample company's rules (regkb/measures.py), and, with the samples set aside, first, its count
    weighed against the policy's own cap."""
    from regkb.engine import Engine

    asked = {
        "这个客户今天我已经打了三次都没接，还能再打第四次吗？": ("2.2", "不可以"),
        "今天给这个客户打了两次，还能再打一次吗？": ("2.2", "可以"),
        "现在晚上九点半了，还能再给客户打一轮电话吗？": ("2.3", "不可以"),
    }
    for question, (article, _) in asked.items():
        answer = engine.ask(question)
        leading = [(h.passage.doc_id.endswith(POLICY.name), h.passage.article) for h in answer.retrieved[:3]]
        assert not answer.refused and (True, article) in leading, (question, leading)
    own = Engine.open(engine.settings.model_copy(update={"set_aside_samples": True}))
    for question, (article, label) in asked.items():
        answer = own.ask(question)
        top = answer.retrieved[0].passage
        assert top.doc_id.endswith(POLICY.name) and top.article == article, (question, top.citation_label)
        assert answer.conclusion is not None and answer.conclusion.label == label, (
            question,
            answer.conclusion,
        )
