"""Traditional characters read as simplified: the one adapter module for OpenCC.

The corpus and the indexes are in simplified characters, and so are the vocabularies, the lookup
patterns and the question-kind cues. A question typed in traditional characters (「客戶不接電話，我能
打給他同事嗎？」, 「民法典第一千零三十三條」) missed them all: no 条 for the lookup, no 吗 for a permission
question, other BM25 tokens. OpenCC's t2s conversion (its dictionaries ship in the package) maps it to
simplified; on text already simplified it changes nothing (checked on every question set and every
corpus text of this project).
"""

from __future__ import annotations

import functools
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
