"""Provisions -> passages: one per article, long articles split at 款/项 boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from regkb.types import Passage, Provision, SourceDocument, embed_prefix

CountTokens = Callable[[str], int]

_SENTENCE_SPLIT = re.compile(r"(?<=[。；！？])")


def _paragraphs(text: str) -> list[str]:
    """款 and 项 are lines of their own; keep them verbatim."""
    return [line for line in text.split("\n") if line.strip()]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_SPLIT.split(text) if s]


def _pack(units: Sequence[str], fits: Callable[[str], bool], joiner: str) -> list[str]:
    """Greedily join units while the joined text still fits; a unit that never fits stands alone."""
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and not fits(candidate):
            parts.append(current)
            current = unit
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Split an article's text into parts that fit: by 款/项 first, then by sentence."""
    if fits(text):
        return [text]
    parts: list[str] = []
    for chunk in _pack(_paragraphs(text), fits, "\n\n"):
        if fits(chunk):
            parts.append(chunk)
        else:
            parts.extend(_pack(_sentences(chunk), fits, ""))
    return parts


def make_passages(
    doc: SourceDocument,
    provisions: Sequence[Provision],
    count_tokens: CountTokens,
    max_tokens: int,
) -> list[Passage]:
    """Build the passages of one document, in document order."""
    passages: list[Passage] = []
    meta = doc.meta
    for provision in provisions:
        prefix = embed_prefix(meta.short_title, provision.heading_path, provision.label)

        def fits(chunk: str, prefix: str = prefix) -> bool:
            return count_tokens(f"{prefix}\n{chunk}") <= max_tokens

        chunks = split_text(provision.text, fits)
        for part, chunk in enumerate(chunks):
            offset = doc.text.find(chunk, provision.start)
            passages.append(
                Passage(
                    id=Passage.make_id(doc.doc_id, provision.label, part, chunk),
                    doc_id=doc.doc_id,
                    root=doc.root,
                    title=meta.title,
                    short_title=meta.short_title,
                    level=meta.level,
                    article=provision.label,
                    text=chunk,
                    heading_path=provision.heading_path,
                    article_no=provision.number,
                    article_suffix=provision.suffix,
                    part=part,
                    parts=len(chunks),
                    issuer=meta.issuer,
                    doc_number=meta.doc_number,
                    effective=meta.effective,
                    expires=meta.expires,
                    status=meta.status,
                    page=doc.page_at(offset if offset >= 0 else provision.start),
                    order=len(passages),
                )
            )
    return passages
