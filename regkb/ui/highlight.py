"""Highlight the sentences of an article that an answer quoted, or the terms a reader searched."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# A sentence ends at 。！？； or a line break (the delimiter stays with its sentence).
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of text; together they cover all of it."""
    spans = []
    for match in _SENTENCE.finditer(text):
        if match.start() != match.end():
            spans.append((match.start(), match.end()))
    return spans


def _quote_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for quote in quotes:
        quote = quote.strip()
        if not quote:
            continue
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    return spans


def matched_sentences(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of the sentences that overlap any verbatim occurrence of a quote."""
    hits = _quote_spans(text, quotes)
    return [(s, e) for s, e in split_sentences(text) if any(qs < e and s < qe for qs, qe in hits)]


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    """text as HTML with each span in <mark>, line breaks as <br>."""
    out, pos = [], 0
    for start, end in spans:
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def highlight_quotes(text: str, quotes: Iterable[str]) -> str:
    """HTML of text with each sentence that a quote touches marked."""
    return _render(text, matched_sentences(text, quotes))


def highlight_terms(text: str, term: str) -> str:
    """HTML of text with every occurrence of term marked (for search within a document)."""
    term = term.strip()
    if not term:
        return _render(text, [])
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(term), text)]
    return _render(text, spans)
