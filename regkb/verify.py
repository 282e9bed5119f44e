"""Citation verifier: find every 《X》第N条 in a text and check the index backs it.

``find_citations(text)`` recognises 《X》第N条 (Chinese or Arabic numerals, 之Y), bare references
with a known document name (民法典第680条, 个保法第13条, 刑法293条之一), lists such as
第一千零三十二条、第一千零三十八条 (one citation each) and an optional following quote “…” or
「…」. ``verify_citations(text, resolver)`` classifies each as valid / article_missing /
document_missing / quote_mismatch. Quotes must match verbatim after whitespace is removed.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from regkb.names import STATE_PREFIX
from regkb.numerals import NUMERAL_CLASS, label_or_none, parse_article_label
from regkb.types import CitationCheck, Passage
from regkb.vocab import load_aliases

log = logging.getLogger(__name__)

VALID = "valid"
ARTICLE_MISSING = "article_missing"
DOCUMENT_MISSING = "document_missing"
QUOTE_MISMATCH = "quote_mismatch"
STATUSES = (VALID, ARTICLE_MISSING, DOCUMENT_MISSING, QUOTE_MISMATCH)

_NUM = rf"(?:{NUMERAL_CLASS}+|\d+)"
_SUB = rf"(?:第{_NUM}款)?(?:第[（(]?{_NUM}[）)]?项)?"
# 第293-1条 is 第293条之一, as people shorten it (a smaller number after the dash); 第10-12条 is a range
_DASH = r"(?:[-－—–~～](?P<d>\d+))?"
_FIRST = re.compile(rf"(?:第)?\s*(?P<n>{_NUM}){_DASH}\s*条(?:之(?P<s>{_NUM}))?{_SUB}")
_MEMBER = re.compile(rf"第\s*(?P<n>{_NUM}){_DASH}\s*条(?:之(?P<s>{_NUM}))?{_SUB}")
_SEP = r"(?:、|以及|及|和|与|或者|或|至|到)"
_RANGE_SEP = re.compile(r"\s*(?:至|到)\s*")
_SEQ = (
    rf"{_FIRST.pattern}(?:\s*{_SEP}\s*{_MEMBER.pattern})*".replace("?P<n>", "?:")
    .replace("?P<s>", "?:")
    .replace("?P<d>", "?:")
)
_FILLER = r"(?:中的|中|的|里)?"
_BOOK = re.compile(rf"《(?P<doc>[^《》\n]{{1,80}})》\s*{_FILLER}\s*(?P<seq>{_SEQ})")
_QUOTE_LEAD = re.compile(r"\s*(?:(?:明确)?(?:规定|写明|载明|指出|提到|要求)了?)?\s*[：:，,]?\s*([“「『\"])")
_CLOSERS = {"“": "”", "「": "」", "『": "』", '"': '"'}
_MAX_QUOTE = 1000
_MAX_RANGE = 500  # articles between a range's ends searched for a quote after it
_SPACE = re.compile(r"\s+")

Alias = Callable[[str], "str | None"]


@dataclass(frozen=True, slots=True)
class RawCitation:
    """One article reference as written in a text."""

    text: str  # how to show it: the document as written + this article, e.g. 《民法典》第680条
    document: str  # the document name as written, without 《》: 民法典, 个保法, 中华人民共和国刑法
    article: str  # canonical label: 第六百八十条, 第二百九十三条之一
    span: tuple[int, int]  # this article reference in the text (without the document name)
    doc_span: tuple[int, int]  # the document name (with its 《》) in the text
    quote: str | None = None  # the quoted span that follows, without its quotation marks
    quote_span: tuple[int, int] | None = None  # the quote with its marks
    group: int = 0  # citations sharing one document name (a list) share a group number
    within: tuple[int, int] | None = None  # a range's end: both ends' numbers (a quote may lie between)


class CitationResolver(Protocol):
    """What the verifier needs from an index.

    A resolver may also offer ``names() -> Iterable[str]``: document names to recognise without
    《》 besides the alias table's (regkb.provisions.ProvisionResolver does).
    """

    def find_document(self, name: str) -> str | None:
        """A title, short title or alias -> the doc_id of an indexed document (None if absent)."""
        ...

    def passages_for(self, doc_id: str, article: str) -> list[Passage]:
        """The passages of that article (canonical label), in part order; [] when it does not exist."""
        ...


def squash(text: str) -> str:
    """Text without any whitespace: the only normalisation quote matching allows."""
    return _SPACE.sub("", text)


@functools.cache
def default_aliases() -> tuple[tuple[str, ...], Alias | None]:
    """(surface names, resolve) from regkb.vocab's alias table; ((), None) when unavailable."""
    try:
        table = load_aliases()
    except Exception as exc:  # a broken alias file must not break verification
        log.warning("alias table unavailable; recognising 《》 citations and index names only: %s", exc)
        return (), None
    return tuple(table.names()), table.resolve


# ---------------------------------------------------------------- finding


def _quote_after(text: str, end: int) -> tuple[str, tuple[int, int]] | None:
    """A quotation that directly follows a citation (optionally after 规定：), and its span."""
    lead = _QUOTE_LEAD.match(text, end)
    if not lead:
        return None
    close = text.find(_CLOSERS[lead.group(1)], lead.end())
    if close <= lead.end() or close - lead.end() > _MAX_QUOTE:
        return None
    return text[lead.end() : close], (lead.start(1), close + 1)


class _Member(NamedTuple):
    label: str  # canonical: 第一千零三十二条
    span: tuple[int, int]  # as written (a dashed range's ends share the range's span)
    within: tuple[int, int] | None = None  # an end of a range: its ends' numbers
    dashed: bool = False  # an end of 第1-3条, shown by its own label


def _members(text: str, start: int, end: int) -> list[_Member]:
    """Each article in a list such as 第1032条、第一千零三十八条. A range gives its two ends (第1-3条,
    第10-12条: each with the range's span, so an invented end is caught as any other citation;
    第十条至第十二条: each as written), both knowing the articles between them."""
    first = _FIRST.match(text, start, end)
    if first is None:
        return []
    matches = [first, *_MEMBER.finditer(text, first.end(), end)]
    out: list[_Member] = []
    for i, m in enumerate(matches):
        n, dash, span = m.group("n"), m.group("d"), m.span()
        if dash and n.isdigit() and int(dash) > int(n) and not m.group("s"):
            ends = [label_or_none(n), label_or_none(dash)]  # 第1-3条 is a range, not 第一条之三
            out += [_Member(label, span, (int(n), int(dash)), True) for label in ends if label]
            continue
        if dash and not (n.isdigit() and int(dash) < int(n)):
            continue  # 第十-3条, 第3-3条: neither a range nor a 之 written with a dash
        label = label_or_none(n, m.group("s") or dash)
        if not label:
            continue
        if i and out and out[-1].span == matches[i - 1].span() and not out[-1].dashed:
            low, high = parse_article_label(out[-1].label)[0], parse_article_label(label)[0]
            if high > low and _RANGE_SEP.fullmatch(text[matches[i - 1].end() : m.start()]):
                out[-1] = out[-1]._replace(within=(low, high))  # 第十条至第十二条
                out.append(_Member(label, span, (low, high)))
                continue
        out.append(_Member(label, span))
    return out


def _between(ends: tuple[int, int] | None) -> list[str]:
    """The labels of the articles strictly between a range's ends (at most _MAX_RANGE of them)."""
    low, high = ends or (0, 0)
    return [
        label for i in range(low + 1, min(high, low + 1 + _MAX_RANGE)) if (label := label_or_none(str(i)))
    ]


def _group(
    text: str, doc: str, doc_span: tuple[int, int], seq: tuple[int, int], group: int
) -> list[RawCitation]:
    """The citations of one document name followed by a list of articles."""
    members = _members(text, *seq)
    quote = _quote_after(text, seq[1])
    shown_doc = text[doc_span[0] : doc_span[1]]
    out = []
    for i, (label, span, between, dashed) in enumerate(members):
        if dashed:
            shown = shown_doc + label  # the end checked, not the range as written
        else:
            shown = text[doc_span[0] : span[1]] if i == 0 else shown_doc + text[span[0] : span[1]]
        with_quote = quote is not None and i == len(members) - 1
        out.append(
            RawCitation(
                text=shown,
                document=doc,
                article=label,
                span=span,
                doc_span=doc_span,
                quote=quote[0] if quote and with_quote else None,
                quote_span=quote[1] if quote and with_quote else None,
                group=group,
                within=between,
            )
        )
    return out


@functools.lru_cache(maxsize=8)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    ordered = sorted({n for n in names if len(n) >= 2}, key=lambda n: (-len(n), n))
    if not ordered:
        return None
    alternation = "|".join(re.escape(n) for n in ordered)
    return re.compile(
        rf"(?<![《〈])(?P<doc>(?:{STATE_PREFIX})?(?:{alternation}))\s*{_FILLER}\s*(?P<seq>{_SEQ})"
    )


def find_citations(text: str, names: Iterable[str] | None = None) -> list[RawCitation]:
    """Every article citation in text, in order of appearance.

    ``names``: document names recognised without 《》 (defaults to regkb.vocab's aliases).
    """
    if names is None:
        names = default_aliases()[0]
    found: list[RawCitation] = []
    taken: list[tuple[int, int]] = []
    for m in _BOOK.finditer(text):
        doc_span = (m.start(), m.end("doc") + 1)
        found += _group(text, m.group("doc").strip(), doc_span, m.span("seq"), len(taken))
        taken.append(m.span())
    pattern = _names_pattern(tuple(sorted(set(names))))
    if pattern is not None:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            found += _group(text, m.group("doc"), m.span("doc"), m.span("seq"), len(taken))
            taken.append(m.span())
    return sorted(found, key=lambda c: c.span)


# ---------------------------------------------------------------- verifying


def _document_of(resolver: CitationResolver, name: str, alias: Alias | None) -> str | None:
    doc_id = resolver.find_document(name)
    if doc_id is None and alias is not None:
        short = alias(name)
        if short:
            doc_id = resolver.find_document(short)
    return doc_id


def check_citations(
    text: str, resolver: CitationResolver, alias: Alias | None = None
) -> list[tuple[RawCitation, CitationCheck]]:
    """Each citation found in text with its check (positions kept, for callers that edit the text)."""
    names, default_alias = default_aliases()
    alias = alias or default_alias
    extra = getattr(resolver, "names", None)
    raws = find_citations(text, [*names, *(extra() if callable(extra) else ())])
    docs = [_document_of(resolver, raw.document, alias) for raw in raws]
    found = [resolver.passages_for(d, raw.article) if d else [] for raw, d in zip(raws, docs, strict=True)]
    pool: dict[int, list[Passage]] = {}
    for raw, d, passages in zip(raws, docs, found, strict=True):
        pool.setdefault(raw.group, []).extend(passages)
        if d and raw.quote is not None:  # a quote after 第1032-1038条 may come from 第1035条
            pool[raw.group].extend(
                p for label in _between(raw.within) for p in resolver.passages_for(d, label)
            )
    return [
        (raw, _check(raw, d, passages, pool[raw.group]))
        for raw, d, passages in zip(raws, docs, found, strict=True)
    ]


def _check(
    raw: RawCitation, doc_id: str | None, passages: list[Passage], pool: list[Passage]
) -> CitationCheck:
    if doc_id is None:
        return CitationCheck(raw.text, DOCUMENT_MISSING, None, raw.quote)
    if not passages:
        return CitationCheck(raw.text, ARTICLE_MISSING, None, raw.quote)
    if raw.quote is None:
        return CitationCheck(raw.text, VALID, passages[0], None)
    # a quote after a list (第1032条、第1038条“…”) may come from any article of the list
    holder = quote_in(raw.quote, [*passages, *pool])
    if holder is None:
        return CitationCheck(raw.text, QUOTE_MISMATCH, passages[0], raw.quote)
    return CitationCheck(raw.text, VALID, holder, raw.quote)


def quote_in(quote: str, passages: Sequence[Passage]) -> Passage | None:
    """The first passage whose text holds quote verbatim (whitespace ignored), else None."""
    needle = squash(quote)
    if not needle:
        return None
    for passage in passages:
        if needle in squash(passage.text):
            return passage
    return None


def verify_citations(text: str, resolver: CitationResolver) -> list[CitationCheck]:
    """Every citation in text, each valid / article_missing / document_missing / quote_mismatch."""
    return [check for _, check in check_citations(text, resolver)]
