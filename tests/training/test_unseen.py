"""training.unseen: cross-validation in which a fold's company policies are new documents."""

from __future__ import annotations

import numpy as np

from evals.dataset import EvalQuestion, RefSpec
from regkb.ranker import FEATURES, Candidates
from regkb.types import Passage
from training.data import TrainQuestion, fold_of
from training.ranker import SETTINGS, Rows, collect, cross_validate, ranking_metrics
from training.unseen import policy_folds, policy_scores

POLICIES = ("internal/a.md", "internal/b.md", "internal/c.md", "internal/d.md", "internal/e.md")


def _question(qid: str, docs: tuple[str, ...]) -> TrainQuestion:
    gold = [RefSpec(doc=doc, article="第一条") for doc in docs] or [
        RefSpec(doc="laws/x.md", article="第一条")
    ]
    return TrainQuestion(
        "internal" if docs else "stard-corpus",
        EvalQuestion(id=qid, question="问", type="colloquial", answerable=True, gold=gold),
    )


def test_each_policy_is_one_folds_and_hidden_wherever_it_is_cited() -> None:
    questions = [_question(f"p{i}", (POLICIES[i % 5],)) for i in range(20)]
    questions.append(_question("both", (POLICIES[0], POLICIES[1])))
    questions += [_question(f"law{i}", ()) for i in range(30)]
    deal = policy_folds(questions, 5)
    by_policy = {
        doc: {deal.fold[q.id] for q in questions[:20] if q.question.gold[0].doc == doc} for doc in POLICIES
    }
    assert all(len(f) == 1 for f in by_policy.values())  # a policy's questions share one fold
    assert len({next(iter(f)) for f in by_policy.values()}) == 5  # five policies, five folds
    fold_b = next(iter(by_policy[POLICIES[1]]))
    assert deal.fold["both"] == next(iter(by_policy[POLICIES[0]]))  # its first policy's fold
    assert "both" in deal.hidden[fold_b]  # and hidden from the fold of its second
    assert {deal.fold[f"law{i}"] for i in range(30)} == set(range(5))  # the rest by hash
    assert all(
        deal.fold[q.id] == f for f in range(5) for q in questions if q.id in deal.hidden[f] and q.id != "both"
    )
    assert policy_folds(questions, 5, "1").fold != deal.fold  # another salt, another deal


def _rows(n: int = 200, per: int = 20) -> Rows:
    """Per policy, its questions' relevant candidate is marked by a feature column of its own:
    learnable from the policy's other questions, and from nothing else."""
    rng = np.random.default_rng(0)
    markers = [
        FEATURES.index(name) for name in ("rr_conduct", "rr_situation", "rr_lookup", "rr_xref", "rr_cited_by")
    ]
    questions = [_question(f"q{i}", (POLICIES[i % 5],)) for i in range(n)]
    x = rng.random((n * per, len(FEATURES))).astype(np.float32)
    x[:, markers] = 0.0
    y = np.zeros(n * per, dtype=np.int8)
    for g in range(n):
        hit = g * per + rng.integers(0, per)
        y[hit] = 1
        x[hit, markers[g % 5]] = 1.0
    group = np.repeat(np.arange(n), per)
    return Rows(x, y, group, [(f"d{g}", f"第{j}条") for g in range(n) for j in range(per)], questions)


def test_a_policys_questions_are_scored_by_a_model_that_never_saw_that_policy() -> None:
    rows = _rows()
    everything = np.ones(len(rows.y), dtype=bool)
    usual = ranking_metrics(rows, cross_validate(rows, SETTINGS[0], 5), everything)
    deal = policy_folds(rows.questions, 5)
    unseen = ranking_metrics(rows, policy_scores(rows, deal, 5), everything)
    assert usual["recall@5"] > 0.9  # the usual folds let a policy's questions teach each other
    assert unseen["recall@5"] < 0.6  # here its marker was never seen: about 5 of 20 by chance


class _Engine:
    """Records the memory each question is read with; one candidate, relevant, per question."""

    def __init__(self) -> None:
        self.memory = None
        self.used: dict[str, object] = {}

    def use_memory(self, memory) -> None:
        self.memory = memory

    def candidates(self, question: str):
        self.used[question] = self.memory
        passage = Passage("p", "internal/a.md", "r", "甲办法", "甲办法", "内部制度", "第一条", "正文")
        return Candidates(["p"], np.zeros((1, len(FEATURES)), dtype=np.float32), [("bm25",)]), [passage]


def test_each_question_is_read_with_the_memory_of_its_assigned_fold() -> None:
    """collect(..., assigned): memories[assigned[id]], not the usual hash fold."""
    questions = [
        TrainQuestion(
            "internal",
            EvalQuestion(
                id=f"q{i}",
                question=f"问{i}",
                type="colloquial",
                answerable=True,
                gold=[RefSpec(doc="internal/a.md", article="第一条")],
            ),
        )
        for i in range(12)
    ]
    memories = [f"memory {f}" for f in range(5)]
    assigned = {q.id: (i * 3) % 5 for i, q in enumerate(questions)}
    engine = _Engine()
    rows = collect(engine, questions, memories, 5, assigned)
    assert [engine.used[q.question.question] for q in questions] == [
        memories[assigned[q.id]] for q in questions
    ]
    assert rows.y.tolist() == [1] * 12 and rows.group.tolist() == list(range(12))
    usual = _Engine()
    collect(usual, questions, memories, 5)
    assert [usual.used[q.question.question] for q in questions] == [
        memories[fold_of(q.id, 5)] for q in questions
    ]
