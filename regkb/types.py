"""The typed values that flow from a source file to a cited answer.

Frozen dataclasses only; use ``dataclasses.replace`` to derive a changed copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

# Hierarchy order used to group evidence, highest authority first.
LEVEL_ORDER: tuple[str, ...] = (
    "法律",
    "行政法规",
    "部门规章",
    "规范性文件",
    "司法解释",
    "行业自律",
    "内部制度",
    "未分类",
)

REPEALED = "已废止"


def short_hash(*parts: str, length: int = 16) -> str:
    """A stable content hash (sha256) of the parts, shortened."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def embed_prefix(short_title: str, heading_path: tuple[str, ...], article: str) -> str:
    """The context line put before a passage's text when it is embedded."""
    return " ".join(part for part in (f"《{short_title}》", *heading_path, article) if part)


def level_rank(level: str) -> int:
    """Position of a level in LEVEL_ORDER; unknown levels sort last."""
    try:
        return LEVEL_ORDER.index(level)
    except ValueError:
        return len(LEVEL_ORDER)


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Descriptive metadata of one document (from manifest.json or front matter)."""

    title: str
    short_title: str
    level: str = "未分类"
    issuer: str = ""
    doc_number: str = ""
    promulgated: str | None = None
    effective: str | None = None
    expires: str | None = None
    status: str = "现行有效"
    source: str = ""
    version_note: str = ""
    articles: int | None = None  # expected count of 第X条 articles, if known
    sample: bool = False  # a fictional example policy (corpus/internal), no basis for a real company


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """A loaded file: normalised text plus where each page starts."""

    doc_id: str  # path relative to its corpus root, e.g. "laws/pipl.md"
    root: str  # the corpus root's name, e.g. "corpus" or "shared-corpus"
    text: str  # the body, newline-separated lines
    meta: DocMeta
    content_hash: str  # sha256 of the source bytes (or the text for non-file sources)
    page_starts: tuple[int, ...] = ()  # char offset where page i+1 starts (PDF only)
    path: str = ""  # absolute path of the source file, "" for non-file sources

    def page_at(self, offset: int) -> int | None:
        """1-based page holding the char at offset, or None when pages are unknown."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
            else:
                break
        return page + 1


@dataclass(frozen=True, slots=True)
class Provision:
    """One structural unit found by the parser: an article, an 一、 item, 全文 or the preamble."""

    label: str  # "第二百九十三条之一", "一", "全文", or "" for the preamble
    number: int | None  # 293 for 第二百九十三条之一
    suffix: int | None  # 1 for 之一
    heading_path: tuple[str, ...]
    text: str  # verbatim, including the label as written
    start: int  # char offset in SourceDocument.text
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """The unit that is embedded, indexed, retrieved and cited."""

    id: str
    doc_id: str
    root: str
    title: str
    short_title: str
    level: str
    article: str  # label exactly as written ("" for a preamble)
    text: str  # verbatim
    heading_path: tuple[str, ...] = ()
    article_no: int | None = None
    article_suffix: int | None = None
    part: int = 0  # index of the part when a long article is split
    parts: int = 1
    issuer: str = ""
    doc_number: str = ""
    effective: str | None = None
    expires: str | None = None
    status: str = "现行有效"
    page: int | None = None
    order: int = 0  # position of the passage within its document

    @property
    def citation_label(self) -> str:
        """《short title》第X条 (or 《short title》 alone for a preamble); a flat-numbered clause 4、 is
        第4条, as a reader cites it (and as a lookup finds it). A chapter of an outline that is one
        sentence (provision 3, for 「三、本规定自发布之日起施行。」) has no article number and keeps its label."""
        label = self.article if self.article not in ("", "全文") else ""
        flat = label.isdigit() and self.article_no is not None
        return f"《{self.short_title}》{f'第{label}条' if flat else label}"

    @property
    def embed_text(self) -> str:
        """What the embedders (and BM25) see: 《short_title》, the heading path and the label before the
        text; a text in traditional characters as its simplified shadow (regkb.script), as questions are read."""
        from regkb.script import traditional_shadow

        text = traditional_shadow(self.text) or self.text
        return f"{embed_prefix(self.short_title, self.heading_path, self.article)}\n{text}"

    @staticmethod
    def make_id(doc_id: str, article: str, part: int, text: str) -> str:
        return short_hash(doc_id, article, str(part), text)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the user narrowed the search to."""

    levels: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    include_repealed: bool = False
    as_of: str | None = None  # ISO date: only text in force that day
    excluded: frozenset[str] = frozenset()  # doc ids left out (the sample policies, see Engine)

    def admits(self, passage: Passage) -> bool:
        if self.levels and passage.level not in self.levels:
            return False
        if passage.doc_id in self.excluded:
            return False
        if self.doc_ids and passage.doc_id not in self.doc_ids:
            return False
        if not self.include_repealed and passage.status == REPEALED and self.as_of is None:
            return False
        if self.as_of is not None:
            if passage.effective and passage.effective > self.as_of:
                return False
            if passage.expires and passage.expires <= self.as_of:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    passage: Passage
    quote: str  # a verbatim span of passage.text

    @property
    def label(self) -> str:
        return self.passage.citation_label


@dataclass(frozen=True, slots=True)
class Conclusion:
    """The answer's first line: a label for permission/legality questions (else None) and the line."""

    label: str | None  # 不可以 / 可以 / 有条件可以 / 视情况而定, or None
    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    retrieved: tuple[Hit, ...]
    refused: bool
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # flags such as removed invalid citations, carried terms
    criminal: bool = False  # criminal-law provisions are among the evidence
    verdict: str | None = None  # for clause checks
    conclusion: Conclusion | None = None  # None on refusals
    related: tuple[Citation, ...] = ()  # retrieved but not cited: listed under 相关条文
    # the clauses the conclusion was decided from (regkb.permission.Support, typed loosely: this module
    # imports no other of regkb); training reads them
    supports: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """One indexed document, as the browser and the admin table show it."""

    doc_id: str
    root: str
    title: str
    short_title: str
    level: str
    issuer: str
    doc_number: str
    effective: str | None
    status: str
    source: str
    passages: int
    ingested_at: str  # ISO timestamp of the ingest that last changed it
    sample: bool = False  # DocMeta.sample


@dataclass(frozen=True, slots=True)
class Provenance:
    """A (title or short title, article) reference, e.g. from a red-line rule or a sample policy."""

    title: str
    article: str


@dataclass(frozen=True, slots=True)
class RedlineHit:
    rule_id: str
    name: str
    severity: str  # 刑事 / 行政 / 民事 / 内部
    matched: tuple[str, ...]  # the pattern matches found in the clause text
    provisions: tuple[Passage, ...]


@dataclass(frozen=True, slots=True)
class ClauseResult:
    """The review of one clause of a draft policy."""

    label: str  # 第三条, or "1" when the draft has no numbering
    text: str
    redlines: tuple[RedlineHit, ...]
    governing: tuple[Hit, ...]
    verdict: str  # 违规风险 / 需复核 / 未发现明显冲突
    severity: str | None = None  # the gravest severity among the red lines


@dataclass(frozen=True, slots=True)
class CitationCheck:
    """One citation found in a text, and whether the index backs it."""

    text: str  # the citation as written, e.g. 《民法典》第六百八十条
    status: str  # valid / article_missing / document_missing / quote_mismatch
    passage: Passage | None = None
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """Each retrieval channel's proposals for one question (ids and scores, best first), and the
    question's words: what the ranker scores and the refusal rule reads."""

    lists: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # filled by the retriever
    # rescoring channels (the adapted e5): passage id -> (cosine, gap to the best, passages closer)
    rescored: dict[str, Mapping[str, tuple[float, float, float]]] = field(default_factory=dict)
    words: int = 0  # the question's words (two characters or more)
    unknown: tuple[str, ...] = ()  # those no indexed passage contains
    defining: tuple[str, ...] = ()  # ids of the passages defining the term a meaning question asks about
    # ids of the passages setting the hours or caps a permission question's time or count meets
    measuring: tuple[str, ...] = ()

    def top_score(self, channel: str) -> float:
        ranked = self.lists.get(channel) or []
        return ranked[0][1] if ranked else 0.0
