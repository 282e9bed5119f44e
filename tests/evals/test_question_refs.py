"""The project's own question sets cite only articles the index holds.

A gold or acceptable reference that names a document or article no passage carries (a typo in a
path, 第十七条 for 第七十一条) never matches, so the question silently counts as a miss. Every
reference of every set under evals/questions, and of the conclusions' training-only questions (both files), must match an indexed passage the way the harness
matches retrieved ones (evals.metrics.ref_matches).
"""

from __future__ import annotations

from pathlib import Path

from evals.dataset import load_questions
from evals.metrics import Ref, canonical_article, ref_matches
from evals.paths import QUESTIONS_DIR
from regkb.index import IndexReader
from training.conclusions import FRESH, FRESH_THIRD, TRAINING_ONLY


def test_every_reference_of_our_question_sets_names_an_indexed_article(hash_index: Path) -> None:
    reader = IndexReader.open(hash_index)
    try:
        by_article: dict[str, list[Ref]] = {}
        for p in reader.passages:
            ref = Ref(p.doc_id, p.article, p.title, p.short_title)
            by_article.setdefault(canonical_article(p.article), []).append(ref)
    finally:
        reader.close()
    files = [*sorted(QUESTIONS_DIR.glob("*.jsonl")), TRAINING_ONLY, FRESH, FRESH_THIRD]
    assert any(f.name == "permission.jsonl" for f in files)
    unmatched = [
        f"{path.name} {q.id}: {ref.doc} {ref.article}"
        for path in files
        for q in load_questions(path)
        for ref in (*q.gold, *q.acceptable)
        if not any(
            ref_matches(found, Ref(ref.doc, ref.article, ref.title, ref.short_title))
            for found in by_article.get(canonical_article(ref.article), [])
        )
    ]
    assert not unmatched, unmatched
