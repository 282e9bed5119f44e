"""Quotes that stand alone: verbatim pieces of one provision, joined by …… where text is left out.

A quote of an item （一）… brings its chapeau; a 款 that begins with 前款 brings the 款 it refers to;
an exception or consent condition of the provision (但是……除外, 除……外, 经……同意) is never
dropped. Each piece is a contiguous verbatim span of the passage text, in text order; pieces
that only whitespace separates are merged, others are joined by ELISION.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from regkb.force import EXCEPTION, Clause, force_of
from regkb.numerals import LEADING_LABEL
from regkb.types import Passage

ELISION = "……"
_SPACE = re.compile(r"\s+")


def _span_of_context(passage: Passage, clause: Clause) -> tuple[int, int] | None:
    if not clause.context:
        return None
    start = passage.text.rfind(clause.context, 0, clause.start + 1)
    return None if start < 0 else (start, start + len(clause.context))


def _exceptions(passage: Passage, chosen: Sequence[Clause]) -> list[tuple[int, int]]:
    """Exception clauses in the chosen clauses' paragraphs or chapeaus (they qualify what is quoted)."""
    paragraphs = {c.paragraph for c in chosen}
    contexts = {c.context for c in chosen if c.context}
    return [
        (c.start, c.end)
        for c in force_of(passage).clauses
        if EXCEPTION in c.own and (c.paragraph in paragraphs or any(c.text in ctx for ctx in contexts))
    ]


def _merge(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _without_label(text: str, start: int, end: int) -> int:
    match = LEADING_LABEL.match(text[start:end])
    return start + match.end() if match and match.end() < end - start else start


def without_label(text: str) -> str:
    """The text without its leading 第X条 label (the citation already names it); verbatim otherwise."""
    return text[_without_label(text, 0, len(text)) :].strip()


def standalone_quote(passage: Passage, chosen: Sequence[Clause]) -> str:
    """The chosen clauses with their chapeau, the 款 前款 refers to, and the exceptions; verbatim."""
    text = passage.text
    spans = [(c.start, c.end) for c in chosen]
    spans += [s for s in (_span_of_context(passage, c) for c in chosen) if s is not None]
    spans += _exceptions(passage, chosen)
    pieces = _merge(text, spans)
    if not pieces:
        return text.strip()
    first_start, first_end = pieces[0]
    pieces[0] = (_without_label(text, first_start, first_end), first_end)
    return ELISION.join(text[start:end].strip() for start, end in pieces)


def pieces(quote: str) -> list[str]:
    """The verbatim pieces of a quote (split at the elision mark)."""
    return [p for p in quote.split(ELISION) if p.strip()]


def quote_matches(quote: str, text: str) -> bool:
    """Every piece of quote occurs in text, in order (whitespace ignored)."""
    haystack = _SPACE.sub("", text)
    if not quote.strip():
        return False
    if _SPACE.sub("", quote) in haystack:  # the text itself may contain ……
        return True
    pos = 0
    for piece in pieces(quote):
        found = haystack.find(_SPACE.sub("", piece), pos)
        if found < 0:
            return False
        pos = found + len(_SPACE.sub("", piece))
    return True
