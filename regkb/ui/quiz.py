"""The 培训测验 page: a trainee's choices scored against the answer keys, each item's source link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regkb.quiz import QuizItem, citation_parts
from regkb.ui.blocks import Block, Group
from regkb.ui.cards import browse_link


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: QuizItem
    chosen: int | None  # index into item.options; None when unanswered
    correct: bool

    @property
    def right_option(self) -> str:
        return self.item.options[self.item.answer]

    @property
    def chosen_option(self) -> str:
        return self.item.options[self.chosen] if self.chosen is not None else "（未作答）"


@dataclass(frozen=True, slots=True)
class QuizScore:
    results: tuple[ItemResult, ...]

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


def score(items: Sequence[QuizItem], chosen: Mapping[str, str | None]) -> QuizScore:
    """Score the options a trainee picked (option text by item id; unanswered counts as wrong)."""
    results = []
    for item in items:
        picked = chosen.get(item.id)
        index = item.options.index(picked) if picked in item.options else None
        results.append(ItemResult(item, index, index == item.answer))
    return QuizScore(tuple(results))


def source_link(item: QuizItem) -> str:
    """The 法规浏览 link of the article an item rests on; "" when the item names no document."""
    if not item.doc_id:
        return ""
    _, article = citation_parts(item.citation)
    return browse_link(item.doc_id, article)


def source_markdown(item: QuizItem) -> str:
    """依据：the item's citation, linked to its article when it has one."""
    link = source_link(item)
    return f"依据：[{item.citation}]({link})" if link else f"依据：{item.citation}"


def result_view(number: int, result: ItemResult) -> Group:
    """One scored item in a box: the prompt, right or wrong with the answer, its source, the article."""
    item = result.item
    if result.correct:
        verdict = Block("success", f"回答正确：{result.right_option}")
    else:
        verdict = Block("error", f"你的答案：{result.chosen_option}　正确答案：{result.right_option}")
    prompt = Block("markdown", f"**{number}. {item.prompt}**")
    return Group(
        (prompt, verdict, Block("markdown", source_markdown(item)), Block("caption", item.explanation))
    )


def empty_block(items: Sequence[QuizItem] | None) -> Block:
    """What the page says before a quiz is made (None), or when the chosen scope made no items."""
    if items is None:
        return Block("info", "选择范围后点击「生成测验」。")
    return Block("info", "该范围内的条文不足以出题，请换一个范围。")
