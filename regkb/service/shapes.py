"""What the HTTP API and the MCP server return, built from the Engine's typed values.

No SDK here and no business logic: the doors validate their input with these helpers, call
the Engine, and serialise with the same functions the CLI uses (answer_json, result_json,
check_json), adding each provision's citation label and verbatim text where an assistant
needs them so it never has to invent a quote.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from regkb.commands.check import result_json
from regkb.commands.verify import check_json
from regkb.errors import InputError, NotFoundError
from regkb.numerals import article_label
from regkb.types import LEVEL_ORDER, CitationCheck, ClauseResult, DocumentInfo, Filters, Hit, Passage

if TYPE_CHECKING:
    from regkb.engine import Engine

MAX_TEXT_CHARS = 20_000  # a question, a clause or a text to verify
MAX_K = 50
_ARABIC_ARTICLE = re.compile(r"^\d+$")


def passage_json(p: Passage) -> dict[str, Any]:
    """One provision: its citation label, metadata and verbatim text."""
    return {
        "citation": p.citation_label,
        "doc_id": p.doc_id,
        "title": p.title,
        "short_title": p.short_title,
        "article": p.article,
        "level": p.level,
        "effective": p.effective,
        "status": p.status,
        "part": p.part,
        "parts": p.parts,
        "text": p.text,
    }


def hit_json(h: Hit) -> dict[str, Any]:
    return {**passage_json(h.passage), "score": round(h.score, 6), "channels": list(h.channels)}


def document_json(d: DocumentInfo) -> dict[str, Any]:
    return dataclasses.asdict(d)


def clause_json(r: ClauseResult) -> dict[str, Any]:
    """`regkb check --json`'s shape plus the verbatim provisions behind each red line."""
    provisions = {p.id: p for hit in r.redlines for p in hit.provisions}
    return {**result_json(r), "quotes": [passage_json(p) for p in provisions.values()]}


def verification_json(c: CitationCheck) -> dict[str, Any]:
    """`regkb verify --json`'s shape plus the indexed label and verbatim text when found."""
    p = c.passage
    extra = {"label": p.citation_label, "text": p.text} if p else {"label": None, "text": None}
    return {**check_json(c), **extra}


def text_field(name: str, value: str) -> str:
    """A non-empty text of bounded length, else an InputError naming the field."""
    if not value.strip():
        raise InputError(name, "must not be empty")
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(name, f"{len(value)} characters; send at most {MAX_TEXT_CHARS}")
    return value


def k_field(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise InputError("k", f"{k} is out of range; use 1..{MAX_K}")
    return k


def level_filters(level: str | None) -> Filters:
    """Filters for one hierarchy level (法律, 司法解释, 内部制度 …) or none."""
    if not level:
        return Filters()
    if level not in LEVEL_ORDER:
        raise InputError("level", f"unknown level {level!r}; use one of {'、'.join(LEVEL_ORDER)}")
    return Filters(levels=(level,))


def label_of(article: str) -> str:
    """680 -> 第六百八十条; a label already written as 第X条 is returned as is."""
    article = article.strip()
    if _ARABIC_ARTICLE.match(article):
        try:
            return article_label(int(article))
        except ValueError:  # beyond any statute (第99999999条): no document holds it, said as typed
            return f"第{article}条"
    return article


def article_passages(engine: Engine, doc_id: str, label: str) -> list[Passage]:
    """The passages of one article of one document (several when a long article was split)."""
    passages = engine.passages_of(doc_id)
    if not passages:
        raise NotFoundError(f"document {doc_id!r} is not in the index; GET /documents lists the doc_ids")
    wanted = label_of(label)
    found = [p for p in passages if p.article == wanted]
    if not found:
        raise NotFoundError(f"{passages[0].citation_label}{wanted}: no such article in {doc_id}")
    return found


def lookup_article(engine: Engine, law: str, article: str) -> list[Passage]:
    """An article named by law (民法典, 个保法, full title) and number (第六百八十条, 680, 293条之一)."""
    law, article = text_field("law", law).strip(), text_field("article", article).strip()
    label = label_of(article)
    reference = f"《{law}》{label if '条' in label else label + '条'}"
    found = engine.lookup(reference)
    if not found:
        raise NotFoundError(f"{reference}: not in the index; check the law's name and the article number")
    return found


def article_json(passages: Sequence[Passage]) -> dict[str, Any]:
    """An article as one citation with its verbatim text (parts joined in order)."""
    first = passages[0]
    return {
        **passage_json(first),
        "text": "\n".join(p.text for p in passages),
        "parts": len(passages),
        "passages": [passage_json(p) for p in passages],
    }
