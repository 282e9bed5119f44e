"""Question understanding: article references, named documents, jargon, conduct, follow-ups."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from regkb import clock, vocab
from regkb.lookup import ArticleRef, ReferenceFinder, spelled_out, with_di
from regkb.names import without_state_prefix
from regkb.numerals import ARTICLE_RE, NUMERAL_CLASS, label_or_none
from regkb.types import Provenance

# A follow-up leans on the previous turn: short, and opens or closes with a linking word.
FOLLOW_DEPTH = 4  # how many earlier turns a follow-up's reading goes back through
_FOLLOW_UP = re.compile(r"^(那|那么|如果|要是|假如|还有|另外|再|同样|这种|这样)|(呢|吗)[？?]?$")
_PRONOUN_ONLY = re.compile(r"(他|她|它|其|这个|那个|这种|该)")
# A follow-up that only swaps one element of the previous question (「那打给他老婆呢？」 after
# 「客户不接电话，我能打给他同事吗？」, 「那早上七点呢？」) asks nothing alone: the previous question is read with it.
_ELLIPTIC = re.compile(r"^(那|那么|如果|要是|假如)|呢[？?]?$")
ELLIPTIC_LENGTH = 15
# A question that is article numbers and nothing else: 「第十条说了什么」, 「第293条之一是什么」,
# 「第十条和第十一条」, 「1033条是什么」.
# An Arabic number may stand without 第 (「1033条是什么」); a Chinese one may not (三条 is three articles).
_ARTICLE_PARTS = re.compile(rf"(?:第({NUMERAL_CLASS}+)|第?(\d+))条(?:之({NUMERAL_CLASS}+|\d+))?")
_ONE_ARTICLE = _ARTICLE_PARTS.pattern  # inside the patterns below (only _OPENING_ARTICLES' group 1 is read)
_ARTICLE_ALONE = re.compile(
    rf"^(?:请问|那么?|还有)?[ 　]*{_ONE_ARTICLE}(?:[ 　]*(?:和|与|及|以及|、|，|,)[ 　]*{_ONE_ARTICLE})*[ 　]*"
    r"(?:分别)?(?:是什么|说了?什么|讲了?什么|写了?什么|怎么规定的?|规定了?什么|的内容|内容)?呢?[ 　？?。！!]*$"
)
# A follow-up naming only a 款 or 项 (「第三项呢？」 after 「民法典第1033条是什么」): a part of the previous article.
_PART_ONLY = re.compile(
    rf"^(?:那么?|还有)?[ 　]*(?:第[ 　]*(?:{NUMERAL_CLASS}+|\d+)[ 　]*[款项]|[（(](?:{NUMERAL_CLASS}+|\d+)[)）])"
)
# Articles a question opens with (「第1033条民法典」, 「第十条、第十一条《催收作业管理办法》」, 「第13条第1款 个保法」),
# up to where a document's name may start.
_OPENING_ARTICLES = re.compile(
    rf"^(?:请问)?[ 　]*({_ONE_ARTICLE}(?:[ 　]*(?:和|与|及|以及|、|，|,)[ 　]*{_ONE_ARTICLE})*)"
    rf"(?:第(?:{NUMERAL_CLASS}+|\d+|[（(](?:{NUMERAL_CLASS}+|\d+)[)）])[款项])*[ 　]*(?:的)?[ 　]*《?"
)
# What may stand beside a document's name in a question that asks for the document itself.
_ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:那么?)?[\s《》〈〉“”\"'：:，,。.？?！!]*(?:的?(?:内容|全文|简介)|是什么|讲(?:了)?(?:什么|啥)|说(?:了)?(?:什么|啥)"
    r"|介绍(?:一下)?)?呢?[\s。.？?！!]*$"
)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """What the question says once understood."""

    question: str
    lexical_text: str  # question plus legal terms from jargon and conduct patterns
    refs: tuple[ArticleRef, ...] = ()
    documents: tuple[str, ...] = ()  # short titles named without an article
    conduct: tuple[tuple[str, tuple[Provenance, ...]], ...] = ()  # (pattern name, provisions)
    carried: tuple[str, ...] = ()  # terms carried over from earlier turns
    overview: bool = False  # the question only names a document: its first article stands for it
    unknown: tuple[str, ...] = ()  # titles the question names an article of that the index lacks
    ambiguous: tuple[str, ...] = ()  # (第十条, the documents holding it …): an article named alone
    unheld: tuple[str, ...] = ()  # articles named alone that no document holds (第2000条)
    replaced: tuple[tuple[str, str], ...] = ()  # (合同法, 民法典): a repealed law named, and its successor


def is_follow_up(question: str) -> bool:
    q = question.strip()
    return len(q) <= 25 and bool(_FOLLOW_UP.search(q) or _PRONOUN_ONLY.search(q))


def _elliptic(question: str) -> bool:
    q = question.strip()
    return len(q) <= ELLIPTIC_LENGTH and bool(_ELLIPTIC.search(q))


def carried_terms(history: Sequence[str]) -> tuple[str, ...]:
    """The subject and conduct words of the previous question worth carrying into a follow-up."""
    if not history:
        return ()
    previous = history[-1]
    terms: list[str] = []
    for hit in vocab.spot_conduct(previous):
        terms.extend(hit.matched)
    for slang, _legal in vocab.expand_jargon(previous):
        terms.append(slang)
    if not terms:  # its first words, article numbers left out (「个保法第13条」 carries 个保法, not 个保法第)
        words = ARTICLE_RE.sub(" ", with_di(previous))
        terms = [w for w in re.findall(r"[\u4e00-\u9fff]{2,}", words)][:3]
    terms = [t for t in dict.fromkeys(terms) if len(t) >= 2]
    # a term inside a longer carried term adds nothing (父母 inside 找他父母要钱)
    return tuple(t for t in terms if not any(t != other and t in other for other in terms))


def _follow_up(
    question: str, previous: str, read: QueryPlan, finder: ReferenceFinder
) -> tuple[tuple[str, ...], str]:
    """(carried terms, the text to read) of a follow-up; ``read`` is how the previous turn was read.
    An article it names without a document is that article of the document the previous turn named
    (「民法典第1033条是什么」 then 「那第1034条呢？」 asks 民法典第1034条): the previous article is not carried,
    it would be looked up instead. A 款 or 项 alone is that part of the article the previous turn read
    (「第三项呢？」, then 「那第二款呢」); an article when the previous turn named no document is asked alone
    (its one holder, or asked back). A document named alone after a lookup (「刑法呢？」) is that document,
    as the name asked alone is. A short elliptic follow-up of a question that named no article
    (「那他父母呢？」) is read with the whole previous question, as it was read; otherwise the previous
    question's subject words are carried."""
    named = [*read.documents, *(r.document for r in read.refs)]
    if named and not finder.documents(question) and finder.find(f"{named[-1]}{question}", asked=True):
        return (named[-1],), f"{named[-1]}{question}"
    if read.refs and _PART_ONLY.match(question.strip()) and not finder.documents(question):
        ref = read.refs[-1]  # 「第三项呢？」 is that item of 民法典第1033条, not 民法典第三条
        return (ref.document,), f"{ref.document}{ref.article}{question}"
    if _ARTICLE_ALONE.match(question.strip()):  # 「那第1034条呢？」 after a question naming no document
        return (), question
    if read.refs and named_only(question, finder):  # 「刑法呢？」 after 「民法典第1033条是什么」
        return (), question
    if not read.refs and _elliptic(question):
        # a chain of them continues the question the first one continued
        base = read.carried[0] if _elliptic(previous) and read.carried else read.question
        # a time it names replaces the previous question's (「那早上九点呢？」 after 「晚上十点还能打吗？」)
        return (base,), f"{question} {clock.without_times(base) if clock.times(question) else base}"
    carried = carried_terms([previous])
    return carried, f"{question} {' '.join(carried)}" if carried else question


def named_only(question: str, finder: ReferenceFinder) -> str | None:
    """The document a question names and says nothing else about (「民法典」, 「《个人信息保护法》讲了什么」)."""
    clean = without_state_prefix(question)
    found = finder.documents(clean)
    if len({doc for doc, _ in found}) != 1:
        return None
    rest = clean
    for start, end in sorted((span for _, span in found), reverse=True):
        rest = rest[:start] + rest[end:]
    return found[0][0] if _ABOUT_THE_DOCUMENT.match(rest) else None


def plan_query(
    question: str,
    finder: ReferenceFinder,
    history: Sequence[str] = (),
    curated: bool = True,
    first_article: Callable[[str], str | None] = lambda _: None,
    holders: Callable[[str], list[str]] = lambda _: [],
) -> QueryPlan:
    """What the question asks; with curated off, no jargon expansion and no conduct patterns.
    ``first_article``: a document's first article label, which a question naming only the document
    looks up (「民法典」 was answered by whatever article matched the word, 民法典第十一条).
    ``holders``: the documents holding an article label; an article asked alone (第293条之一是什么) is
    that of the one document holding it, or ambiguous when several do (第十条)."""
    carried: tuple[str, ...] = ()
    text = question
    if history and is_follow_up(question):  # the previous turn read as it was (a follow-up too)
        read = plan_query(history[-1], finder, history[-FOLLOW_DEPTH:-1], curated, first_article, holders)
        carried, text = _follow_up(question, history[-1], read, finder)
    refs = tuple(finder.find(text, asked=True)) or _named_after(text, finder)
    document = None if refs else named_only(text, finder)
    first = first_article(document) if document else None
    if document and first:
        refs = (ArticleRef(document, first, (0, len(text))),)
    ambiguous: tuple[str, ...] = ()
    unheld: tuple[str, ...] = ()
    if not refs and _ARTICLE_ALONE.match(text.strip()):
        refs, ambiguous, unheld = _bare_articles(text, holders)
    replaced = _successors(text, finder)
    named = tuple(dict.fromkeys([*(d for d, _ in finder.documents(text)), *(new for _, new in replaced)]))
    hits = vocab.spot_conduct(text) if curated else []
    jargon = vocab.expand_jargon(text) if curated else []
    expansions = [term for _slang, legal in jargon for term in legal]
    expansions += [term for hit in hits for term in hit.terms]
    return QueryPlan(
        question=text,
        lexical_text=" ".join([text, *dict.fromkeys(expansions)]),
        refs=refs,
        documents=named,
        conduct=tuple((hit.name, hit.provisions) for hit in hits),
        carried=carried,
        overview=bool(document and first),
        unknown=tuple(finder.unknown_documents(text)),
        ambiguous=ambiguous,
        unheld=unheld,
        replaced=replaced,
    )


def _named_after(text: str, finder: ReferenceFinder) -> tuple[ArticleRef, ...]:
    """Articles the question opens with, then the document they belong to (「第1033条民法典」, which was
    answered with 民法典第十一条): read as 民法典第1033条; a list is read whole (「第十条、十一条话术规范」)."""
    clean = spelled_out(without_state_prefix(text))
    opening = _OPENING_ARTICLES.match(clean)
    if opening is None:
        return ()
    for _, (start, end) in finder.documents(clean):
        if start == opening.end():
            swapped = f"{clean[start:end]}{opening.group(1)}{clean[end:]}"
            return tuple(finder.find(swapped, asked=True))
    return ()


def _bare_articles(
    text: str, holders: Callable[[str], list[str]]
) -> tuple[tuple[ArticleRef, ...], tuple[str, ...], tuple[str, ...]]:
    """(refs, ambiguous, unheld) for a question made of article numbers alone: each article is that
    of the one document holding it (an article no document holds is left out); when one is held by
    several, the question is ambiguous: (the articles, the documents holding every one of them, else
    any); when no document holds any of them, they are unheld (「第2000条是什么」 was answered with
    民法典第一百三十八条)."""
    labels = list(
        dict.fromkeys(
            label
            for m in _ARTICLE_PARTS.finditer(text)
            if (label := label_or_none(m.group(1) or m.group(2), m.group(3)))
        )
    )
    owners = [holders(label) for label in labels]
    if any(len(o) > 1 for o in owners):
        common = [d for d in owners[0] if all(d in o for o in owners)]
        return (), ("、".join(labels), *(common or dict.fromkeys(d for o in owners for d in o))), ()
    if not any(owners):
        return (), (), tuple(labels)
    refs = tuple(
        ArticleRef(o[0], label, (0, len(text))) for o, label in zip(owners, labels, strict=True) if o
    )
    return refs, (), ()


def _successors(text: str, finder: ReferenceFinder) -> tuple[tuple[str, str], ...]:
    """(repealed law, the indexed document that took over its rules) for each repealed law the text
    names (合同法, 婚姻法 … -> 民法典, as aliases.yaml's replaced_by says): a question on 合同法 is
    answered from 民法典, which now holds its rules."""
    table = vocab.load_aliases()
    found = []
    for name in vocab.not_indexed_names(text):
        successor = table.successor(name)
        if successor and finder.documents(successor):
            found.append((name, successor))
    return tuple(dict.fromkeys(found))
