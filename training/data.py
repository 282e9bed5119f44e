"""The training questions: the train split of every question set, read once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.dataset import EvalQuestion, load_questions
from evals.metrics import Ref, ref_matches
from evals.splits import question_sets, split_of
from regkb.types import Passage, Provenance

# Sets whose train splits teach retrieval (stard-book needs the whole statute book indexed;
# stard-pairs is the same questions as stard-corpus plus articles outside the corpus).
RETRIEVAL_SETS = ("dev", "stard-corpus", "internal", "heldout", "blind", "out_of_scope")


@dataclass(frozen=True, slots=True)
class TrainQuestion:
    set: str
    question: EvalQuestion

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def expected(self) -> tuple[Ref, ...]:
        q = self.question
        return tuple(Ref(r.doc, r.article, r.title, r.short_title) for r in (*q.gold, *q.acceptable))

    @property
    def provenance(self) -> tuple[Provenance, ...]:
        """The gold articles, named as the resolver finds them (title or short title)."""
        return tuple(Provenance(r.title or r.short_title, r.article) for r in self.question.gold)

    def relevant(self, passage: Passage) -> bool:
        found = Ref(passage.doc_id, passage.article, passage.title, passage.short_title)
        return any(ref_matches(found, ref) for ref in self.expected)


def train_questions(
    shared: Path, split: str = "train", sets: tuple[str, ...] = RETRIEVAL_SETS
) -> list[TrainQuestion]:
    """Every question of the named sets on the given split, in set then file order."""
    files = question_sets(shared)
    out: list[TrainQuestion] = []
    seen: set[str] = set()
    for name in sets:
        if name not in files:
            continue
        for q in load_questions(files[name]):
            if split_of(q.id) == split and q.id not in seen:
                seen.add(q.id)
                out.append(TrainQuestion(name, q))
    return out


def fold_of(question_id: str, folds: int, salt: str = "") -> int:
    """A stable cross-validation fold for a question (independent of the train/val hash); another
    salt gives another assignment (training/compare.py repeats a comparison over several)."""
    import hashlib

    key = f"fold{salt}:{question_id}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % folds
