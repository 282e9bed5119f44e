"""Traditional characters read as simplified: the one adapter module for OpenCC.

The corpus and the indexes are in simplified characters, and so are the vocabularies, the lookup
patterns and the question-kind cues. A question typed in traditional characters (「客戶不接電話，我能
打給他同事嗎？」, 「民法典第一千零三十三條」) missed them all: no 条 for the lookup, no 吗 for a permission
question, other BM25 tokens. OpenCC's t2s conversion (its dictionaries ship in the package) maps it to
simplified; on text already simplified it changes nothing (checked on every question set and every
corpus text of this project).

A document written in traditional characters is read the same way: its structure is parsed, and its
passages are embedded and indexed for BM25, from a character-by-character simplified shadow of the
same length, while the text kept, shown and quoted stays as written.
"""

from __future__ import annotations

import functools
import re
from typing import Any


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """The text with traditional characters replaced by their simplified forms."""
    if text.isascii():
        return text
    return str(_converter().convert(text))


# A text is written in traditional characters when at least this share of its Chinese characters
# has another simplified form. Simplified texts stay far below it: at most 0.45% on any passage of
# the corpus and the statute book (鱀, 鮡: names of animals), against some 28% in a traditional one.
TRADITIONAL_SHARE = 0.02
CHINESE_CHAR = re.compile(r"[\u4e00-\u9fff]")


def simplified_shadow(text: str) -> str:
    """The text converted character by character, so every offset still points at the same place
    (條 -> 条, 應當 -> 应当): what the parser and the indexes read of a traditional document, while
    quotes are cut from the text itself."""
    if text.isascii() or to_simplified(text) == text:
        return text
    convert = _converter().convert
    return "".join(s if len(s := convert(c)) == 1 else c for c in text)


def traditional_shadow(text: str) -> str | None:
    """The simplified shadow of a text written in traditional characters (see TRADITIONAL_SHARE);
    None for any other text."""
    shadow = simplified_shadow(text)
    chinese = [(a, b) for a, b in zip(text, shadow, strict=True) if CHINESE_CHAR.match(a)]
    changed = sum(a != b for a, b in chinese)
    return shadow if changed and changed >= TRADITIONAL_SHARE * len(chinese) else None


def is_traditional(text: str) -> bool:
    """Whether the text is written in traditional characters (see TRADITIONAL_SHARE)."""
    return traditional_shadow(text) is not None
