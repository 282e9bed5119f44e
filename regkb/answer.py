"""Extractive answers: a conclusion first, then the provisions that support it, quoted so they stand alone.

``compose`` reads the force of each candidate provision (regkb.force), keeps as 依据 only the
provisions whose sentences address the question's act or subject (the rest go to 相关条文),
quotes each with its chapeau, the 款 that 前款 refers to and its exceptions (regkb.quotes), and
decides the conclusion from the force of the supporting sentences (regkb.conclusion).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from regkb.conclusion import DEFINITION_Q, LabelReader, comparison, conclude
from regkb.force import Clause, force_of
from regkb.permission import DEFINING, Support
from regkb.quotes import standalone_quote, without_label
from regkb.types import Citation, Conclusion, Hit, Passage, level_rank

REFUSAL = "知识库中没有找到依据。"
CRIMINAL_MARK = "⚠ 涉及刑事责任：证据中包含刑事法律规定，请特别注意。"
RELATED_HEADING = "相关条文（未作为依据，仅供参考）："
_PUNCT = re.compile(r"[\s\W_0-9a-zA-Z]+")
# Function words of questions: bigrams made only of these say nothing about the act asked about.
_FUNCTION_CHARS = set(
    "我你他她它们的了吗呢吧啊能不可以是否会要该这那个些什么怎么样如何为还就都也和与或在有没对把被让给"
)
# A provision is cited when it shares MIN_SUPPORT content bigrams with the question and at least
# SUPPORT_RATIO of the best-supported provision's count (the top-ranked one is always cited).
# SUPPORT_RATIO is picked on the train splits of dev, heldout and blind by
# `python -m evals.tune_answer --index DIR`: the most precise ratio that keeps citation recall at
# the level of citing all the evidence on all three sets.
MIN_SUPPORT = 2.0
SUPPORT_RATIO = 0.1
DEFINITION_BONUS = 2.0  # a defining sentence (是指 / 所称) counts this much more for a definition question
LOOKUP_WHOLE = 600  # an article looked up by reference is quoted whole up to this length
SHORT_WHOLE = 200  # any other article is quoted whole up to this length (it stands alone by itself)


@dataclass(frozen=True, slots=True)
class Composed:
    text: str
    citations: tuple[Citation, ...]
    related: tuple[Citation, ...]
    conclusion: Conclusion
    supports: tuple[Support, ...]


def bigrams(text: str) -> set[str]:
    clean = _PUNCT.sub(" ", text)
    return {run[i : i + 2] for run in clean.split() for i in range(len(run) - 1)}


def content_bigrams(text: str) -> set[str]:
    """The question's bigrams minus those made only of function characters."""
    return {b for b in bigrams(text) if not set(b) <= _FUNCTION_CHARS}


def _score(clause: Clause, wanted: set[str], defining: bool) -> float:
    own = len(bigrams(clause.text) & wanted)
    if not own:
        return 0.0
    bonus = DEFINITION_BONUS if defining and DEFINING.search(clause.text) else 0.0
    return own + bonus + 0.5 * len(bigrams(clause.context) & wanted)


def ranked_clauses(passage: Passage, wanted: set[str], defining: bool = False) -> list[tuple[float, Clause]]:
    """The passage's clauses that share content with the question, best first."""
    scored = [(_score(c, wanted, defining), c) for c in force_of(passage).clauses]
    return sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])


def _chosen(passage: Passage, wanted: set[str], defining: bool = False) -> tuple[float, list[Clause]]:
    """The passage's support (best clause score) and the clauses to quote (best, and near-best)."""
    ranked = ranked_clauses(passage, wanted, defining)
    if not ranked:
        clauses = force_of(passage).clauses
        return 0.0, list(clauses[:1])
    best = ranked[0][0]
    return best, [c for s, c in ranked[:2] if s >= 0.7 * best]


def _quote(passage: Passage, clauses: Sequence[Clause], lookup: bool) -> str:
    if len(passage.text) <= (LOOKUP_WHOLE if lookup else SHORT_WHOLE):
        return without_label(passage.text)
    ordered = sorted(clauses, key=lambda c: c.start)
    return standalone_quote(passage, ordered)


def select(
    evidence: Sequence[Hit], wanted: set[str], lookup: bool, defining: bool = False
) -> tuple[list[tuple[Hit, list[Clause], float]], list[tuple[Hit, list[Clause]]]]:
    """(cited, related): a provision is cited when its sentences address the question."""
    chosen = [(hit, *_chosen(hit.passage, wanted, defining)) for hit in evidence]
    best = max((support for _, support, _ in chosen), default=0.0)
    floor = max(MIN_SUPPORT, SUPPORT_RATIO * best)
    cited: list[tuple[Hit, list[Clause], float]] = []
    related: list[tuple[Hit, list[Clause]]] = []
    for rank, (hit, support, clauses) in enumerate(chosen):
        if lookup or rank == 0 or support >= floor:
            cited.append((hit, clauses, support))
        else:
            related.append((hit, clauses))
    referring = [r for r in related if _refers_to(r[0].passage, [c[0].passage for c in cited])]
    cited += [(hit, clauses, floor) for hit, clauses in referring]
    return cited, [r for r in related if r not in referring]


def _refers_to(passage: Passage, cited: Sequence[Passage]) -> bool:
    """The passage names a cited article of its own document (违反本法第三十一条规定的，处……)."""
    return any(
        p.doc_id == passage.doc_id
        and p.article
        and p.article != passage.article
        and p.article in passage.text
        for p in cited
    )


def compose(
    evidence: Sequence[Hit],
    question: str,
    query_terms: str,
    lookup: bool,
    verdict: str | None = None,
    extra_related: Sequence[Hit] = (),
    reader: LabelReader | None = None,
) -> Composed:
    """The conclusion, the supporting provisions in hierarchy order, comparison and 相关条文."""
    wanted = content_bigrams(f"{question} {query_terms}")
    cited, related = select(evidence, wanted, lookup, bool(DEFINITION_Q.search(question)))
    top = max((hit.score for hit, _, _ in cited), default=0.0)
    supports = [
        Support(hit.passage, clause, relevance(hit, rank, top))
        for rank, (hit, clauses, _) in enumerate(cited)
        for clause in (
            named_clauses(hit.passage, clauses) if lookup and rank == 0 else governed(hit.passage, clauses)
        )
    ]
    conclusion = conclude(question, supports, verdict, reader)
    cites = [Citation(hit.passage, _quote(hit.passage, clauses, lookup)) for hit, clauses, _ in cited]
    seen = {(c.passage.doc_id, c.passage.article) for c in cites}
    rel: list[Citation] = []
    for hit, clauses in [*related, *((h, _chosen(h.passage, wanted)[1]) for h in extra_related)]:
        key = (hit.passage.doc_id, hit.passage.article)
        if key not in seen:
            seen.add(key)
            rel.append(Citation(hit.passage, _quote(hit.passage, clauses, False)))
    ordered = order_by_hierarchy(cites, in_document_order=lookup)
    text = render(conclusion, ordered, comparison(supports), rel)
    return Composed(text, tuple(ordered), tuple(rel), conclusion, tuple(supports))


def named_clauses(passage: Passage, clauses: Sequence[Clause]) -> list[Clause]:
    """The article a question names is what it asks about: the chosen clauses and every other clause
    of it that carries force (「按……第十条，晚上十点还能打吗？」 shares no word with 「在此时段以外，不得
    拨打电话」, which decides it)."""
    chosen = governed(passage, clauses)
    return [*chosen, *(c for c in force_of(passage).clauses if c.kinds and c not in chosen)]


def governed(passage: Passage, clauses: Sequence[Clause]) -> list[Clause]:
    """The chosen clauses, and for one that carries no force the 款 that governs its situation by
    referring back to it (「接听人不是借款人本人的，推荐话术为……」 then 「前款情形下禁止……」)."""
    out = list(clauses)
    for clause in clauses:
        if clause.kinds:
            continue
        out += [
            c
            for c in force_of(passage).clauses
            if c.paragraph > clause.paragraph and c.kinds and clause.text in c.context and c not in out
        ]
    return out


def relevance(hit: Hit, rank: int, top: float) -> float:
    """How much a cited provision's sentences weigh in the conclusion: the learned ranker's score
    against the best cited one (a count of shared characters let a provision sharing many words
    with the question, but not its act, outweigh the top-ranked rule); by rank where scores are
    not positive (plain rank fusion)."""
    return hit.score / top if top > 0 and hit.score > 0 else 1 / (1 + 0.3 * rank)


def order_by_hierarchy(cites: Sequence[Citation], in_document_order: bool = False) -> list[Citation]:
    """Grouped by document, documents in hierarchy order (法律 → … → 内部制度), then first rank; with
    ``in_document_order``, within a document as the document orders them (a lookup of 第1032条到第1034条
    reads them so)."""
    first = {c.passage.doc_id: i for i, c in reversed(list(enumerate(cites)))}

    def key(c: Citation) -> tuple[int, int, int]:
        within = c.passage.order if in_document_order else 0
        return (level_rank(c.passage.level), first[c.passage.doc_id], within)

    return sorted(cites, key=key)


def render(
    conclusion: Conclusion, ordered: Sequence[Citation], compared: Sequence[str], related: Sequence[Citation]
) -> str:
    label = f"【{conclusion.label}】" if conclusion.label else ""
    lines = [f"结论：{label}{conclusion.text}"]
    if any(is_criminal(c.passage) for c in ordered):
        lines.append(CRIMINAL_MARK)
    lines.append("\n依据：")
    for (_doc, level), group in groupby(ordered, key=lambda c: (c.passage.doc_id, c.passage.level)):
        items = list(group)
        lines.append(f"【{level}】{items[0].passage.title}")
        lines.extend(f"- {c.label}：“{_indented(c.quote)}”" for c in items)
    if compared:
        lines.append("")
        lines.extend(compared)
    if related:
        lines.append("\n" + RELATED_HEADING)
        lines.extend(f"- {c.label}：“{_indented(c.quote)}”" for c in related)
    return "\n".join(lines)


def is_criminal(passage: Passage) -> bool:
    return passage.short_title == "刑法" or "刑事" in passage.title


def _indented(quote: str) -> str:
    """Keep a multi-paragraph quote inside its Markdown list item (whitespace only changes)."""
    return "\n  ".join(line for line in quote.split("\n") if line.strip())


def refusal_text(nearest: Sequence[Hit], reason: str = "") -> str:
    lines = [REFUSAL + (f"（{reason}）" if reason else "")]
    if nearest:
        lines.append("可能相关（仅供参考，并非依据）：")
        lines.extend(f"- {hit.passage.citation_label}" for hit in nearest)
    return "\n".join(lines)
