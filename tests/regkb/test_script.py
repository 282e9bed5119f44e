"""How a question's text is read: traditional characters as simplified (regkb/script.py), and no
spaces inside an article reference (regkb/questions.py ``normalize``)."""

from __future__ import annotations

import json
from pathlib import Path

from regkb.questions import SIMPLIFIED_NOTE, normalize, prepare_question
from regkb.script import to_simplified
from tests.conftest import REPO, SHARED_CORPUS


def test_traditional_characters_become_simplified_and_simplified_text_stays() -> None:
    assert to_simplified("客戶不接電話，我能打給他同事嗎？") == "客户不接电话，我能打给他同事吗？"
    assert to_simplified("民法典第一千零三十三條") == "民法典第一千零三十三条"
    assert to_simplified("ask 1033") == "ask 1033"
    assert prepare_question(" 催收員可以打電話嗎？ ") == ("催收员可以打电话吗？", (SIMPLIFIED_NOTE,))
    assert prepare_question("催收员可以打电话吗？") == ("催收员可以打电话吗？", ())


def test_the_conversion_changes_no_simplified_question_or_corpus_text() -> None:
    """Every question of the project's sets and every corpus text is left exactly as it is (著作权,
    干部, 了解 … are no traditional forms to convert)."""
    sets = [
        *(REPO / "evals" / "questions").glob("*.jsonl"),
        *(REPO / "training" / "questions").glob("conclusions*.jsonl"),
    ]
    shared = SHARED_CORPUS.parent / "evals"
    sets += [p for p in (shared / "dev.jsonl", shared / "stard" / "pairs-train.jsonl") if p.exists()]
    questions = [
        json.loads(line)["question"] for path in sets for line in path.read_text("utf-8").splitlines()
    ]
    texts = [
        p.read_text("utf-8") for root in (REPO / "corpus", SHARED_CORPUS) for p in Path(root).rglob("*.md")
    ]
    assert len(questions) > 500 and len(texts) > 20
    assert [q for q in questions if to_simplified(q) != q] == []
    assert [t[:20] for t in texts if to_simplified(t) != t] == []


def test_spaces_inside_an_article_reference_are_dropped_and_nowhere_else() -> None:
    """「第 1033 条」 (a phone keyboard's spaces around a number) was no reference: the answer cited
    民法典第十一条. Spaces elsewhere stay."""
    assert normalize("民法典 第 1033 条 说了啥") == "民法典 第1033条 说了啥"
    assert normalize("民法典第 一千零三十三 条") == "民法典第一千零三十三条"
    assert normalize("民法典 1033 条") == "民法典 1033条"
    assert normalize("第 2 款怎么理解") == "第2款怎么理解"
    assert normalize("2024 年 3 月") == "2024 年 3 月"
