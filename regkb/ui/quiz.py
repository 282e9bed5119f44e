"""Scoring the 培训测验 page: a trainee's choices against the quiz's answer keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the type: the page works with any item of this shape
    from regkb.quiz import QuizItem


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
