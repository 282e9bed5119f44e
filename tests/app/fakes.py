"""A small deterministic stand-in for regkb.engine.Engine, returning real regkb values.

The documents are invented for the tests (a fictional 示例催收规定), never copied text.
"""

from __future__ import annotations

from typing import ClassVar

from regkb.numerals import article_label
from regkb.types import (
    Answer,
    Citation,
    ClauseResult,
    Conclusion,
    DocumentInfo,
    Filters,
    Hit,
    Passage,
    RedlineHit,
)

DOC_ID = "rules/demo.md"
ARTICLE_TEXTS = {
    1: ("第一章 总则",),
    2: ("第一章 总则",),
    3: ("第二章 催收行为", "第一节 联系"),
    4: ("第二章 催收行为", "第一节 联系"),
    5: ("第二章 催收行为", "第二节 禁止行为"),
}
SENTENCES = {
    1: "为规范示例公司的催收活动，制定本规定。",
    2: "本规定适用于示例公司的全部催收人员。",
    3: "催收人员不得向债务人以外的第三人透露债务信息。确需联系第三人的，应当经债务人同意。",
    4: "每日联系债务人不得超过三次；晚上九点至早上八点之间不得联系。",
    5: "催收人员不得使用暴力、威胁或者侮辱的方式催收。违反前款规定的，依法追究责任。",
}


def make_passage(number: int, doc_id: str = DOC_ID, short_title: str = "示例催收规定") -> Passage:
    label = article_label(number)
    text = f"{label}　{SENTENCES[number]}"
    return Passage(
        id=Passage.make_id(doc_id, label, 0, text),
        doc_id=doc_id,
        root="tests",
        title=f"示例公司{short_title}",
        short_title=short_title,
        level="内部制度",
        article=label,
        text=text,
        heading_path=ARTICLE_TEXTS[number],
        article_no=number,
        issuer="示例消费金融有限公司",
        effective="2024-01-01",
        order=number,
    )


NO_FILTERS = Filters()
PASSAGES = [make_passage(n) for n in SENTENCES]


class FakeEngine:
    """Records every ask() so tests can check filters and history."""

    instances: ClassVar[list[FakeEngine]] = []  # every engine opened, newest last

    def __init__(self) -> None:
        self.asked: list[tuple[str, Filters, tuple[str, ...]]] = []
        self.checked: list[str] = []

    @classmethod
    def open(cls, settings: object) -> FakeEngine:
        engine = cls()
        cls.instances.append(engine)
        return engine

    def reload_if_changed(self) -> bool:
        return False

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(
                DOC_ID,
                "tests",
                "示例公司示例催收规定",
                "示例催收规定",
                "内部制度",
                "示例消费金融有限公司",
                "示例〔2024〕1号",
                "2024-01-01",
                "现行有效",
                "tests",
                len(PASSAGES),
                "2024-06-01T00:00:00",
            )
        ]

    def passages_of(self, doc_id: str) -> list[Passage]:
        return list(PASSAGES) if doc_id == DOC_ID else []

    def lookup(self, reference: str) -> list[Passage]:
        for p in PASSAGES:
            if reference.endswith(f"第{p.article_no}条") or reference.endswith(p.article):
                return [p]
        return []

    def retrieve(self, question: str, filters: Filters = NO_FILTERS, k: int = 10) -> list[Hit]:
        return [Hit(p, 1.0 / (i + 1), ("bm25",)) for i, p in enumerate(PASSAGES[:k])]

    def ask(
        self, question: str, filters: Filters = NO_FILTERS, k: int = 10, history: tuple[str, ...] = ()
    ) -> Answer:
        self.asked.append((question, filters, tuple(history)))
        hits = tuple(self.retrieve(question, filters, k))
        if "天气" in question:
            return Answer(question, "知识库中没有找到依据。", (), hits, refused=True)
        third = PASSAGES[2]
        quote = "催收人员不得向债务人以外的第三人透露债务信息。"
        notes = ("沿用上一轮的检索词：第三人、透露",) if history else ()
        line = f"不可以。《示例催收规定》第三条：{quote}"
        text = f"结论：【不可以】{line}\n\n依据：\n- 《示例催收规定》第三条：“{quote}”"
        related = (Citation(PASSAGES[3], "每日联系债务人不得超过三次"),)
        return Answer(
            question,
            text,
            (Citation(third, quote),),
            hits,
            refused=False,
            notes=notes,
            conclusion=Conclusion("不可以", line),
            related=related,
        )

    def check(self, text: str) -> list[ClauseResult]:
        self.checked.append(text)
        results = []
        for i, clause in enumerate(c for c in text.split("\n") if c.strip()):
            hits = (Hit(PASSAGES[4], 0.9, ("bm25",)),)
            if "威胁" in clause:
                red = RedlineHit("threat", "暴力威胁", "刑事", ("威胁",), (PASSAGES[4],))
                results.append(ClauseResult(str(i + 1), clause, (red,), hits, "违规风险", "刑事"))
            else:
                results.append(ClauseResult(str(i + 1), clause, (), hits, "未发现明显冲突"))
        return results
