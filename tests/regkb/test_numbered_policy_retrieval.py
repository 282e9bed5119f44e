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
