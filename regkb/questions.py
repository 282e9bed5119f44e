"""What a question must be before the engine looks at it: not empty, and not absurdly long.

Everything else a user may type (punctuation only, emoji, JSON- or SQL-looking text, prompt
injection) is a question like any other: retrieval finds nothing close enough and the refusal
policy answers 知识库中没有找到依据; the text never reaches a query language or a prompt
unquoted.
"""

from __future__ import annotations

import re

from regkb.errors import RegkbError
from regkb.numerals import NUMERAL_CHARS
from regkb.script import to_simplified

MAX_QUESTION_CHARS = 1000


class EmptyQuestionError(RegkbError):
    """The question has no text."""

    def __init__(self, where: str = "question") -> None:
        super().__init__(
            f'{where}: the question is empty; type a question, e.g. regkb ask "催收时能联系债务人的同事吗？"'
        )


def truncation_note(limit: int = MAX_QUESTION_CHARS) -> str:
    return f"问题超过 {limit} 字，只使用了前 {limit} 字"


SIMPLIFIED_NOTE = "问题中的繁体字已按简体字检索"
_DIGIT = f"0-9０-９{NUMERAL_CHARS}"
# Spaces a phone keyboard puts around a number inside an article reference: 「第 1033 条」, 「第 十三 条」.
_SPACED_REFERENCE = re.compile(rf"第[ \t　]*([{_DIGIT}]+)[ \t　]*(?=[条款项])|(?<=[{_DIGIT}])[ \t　]+(?=条)")


# A thousands separator in an article number: 「第1,033条」 (it was read as 第一条 and 第三十三条).
_GROUPED_NUMBER = re.compile(r"(?<=第)(\d{1,3}(?:,\d{3})+)(?=条)")


def normalize(question: str) -> str:
    """The question's text as the engine reads it: traditional characters as simplified, and no
    spaces or thousands separators inside an article reference (「第 1033 条」 and 「第1,033条」 are 第1033条)."""
    text = _SPACED_REFERENCE.sub(lambda m: f"第{m.group(1)}" if m.group(1) else "", to_simplified(question))
    return _GROUPED_NUMBER.sub(lambda m: m.group(1).replace(",", ""), text)


def prepare_question(question: str, limit: int = MAX_QUESTION_CHARS) -> tuple[str, tuple[str, ...]]:
    """The question as the engine uses it (traditional characters read as simplified), and notes
    for the answer (a truncation notice, the conversion)."""
    text = question.strip()
    if not text:
        raise EmptyQuestionError()
    simplified = normalize(text)
    notes = (SIMPLIFIED_NOTE,) if to_simplified(text) != text else ()
    if len(simplified) > limit:
        return simplified[:limit], (truncation_note(limit), *notes)
    return simplified, notes
