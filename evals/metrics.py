"""Evaluation metrics: pure functions over references, ranks and answers.

Vocabulary
----------
A *reference* (``Ref``) names an article: ``doc`` (path relative to its corpus root),
``article`` (the label as written: 第二百九十三条之一, 一, 全文), plus ``title`` and
``short_title``. A found reference *matches* an expected one when the articles are equal
(after canonicalising numerals, so 第50条 == 第五十条) and either the docs are equal or, when the
doc differs (another corpus root, or a baseline that knows only law names), one of the found
names (title, short_title) equals one of the expected names.

Retrieval metrics take the ranked list of retrieved references as returned (one entry per
passage, so a split article may occur twice) and return ``None`` when the question has no
expected references, so it is left out of averages rather than scored 0.

- ``recall_at_k``: 1 if any gold ∪ acceptable reference is among the top k, else 0 — a *hit
  rate* over gold ∪ acceptable (reports call it hit@k; the key stays ``recall@k``).
- ``strict_recall_at_k``: 1 if the first gold reference (gold[0]) is among the top k
  (reports: first-gold hit@k).
- ``gold_recall_at_k``: the share of the distinct gold references among the top k, the
  classic recall over gold alone (reports: gold recall@k).
- ``mrr_at_k``: 1 / rank of the first gold ∪ acceptable reference in the top k (0 if none).
- ``ndcg_at_k``: linear gains (gold 2, acceptable 1, as trec_eval), discount log2(rank + 1).
  Each expected reference earns its gain once: a later duplicate of an already-credited
  reference gains 0. The ideal DCG ranks the distinct expected references by grade.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from regkb.numerals import normalize_article_refs


@dataclass(frozen=True, slots=True)
class Ref:
    doc: str
    article: str
    title: str = ""
    short_title: str = ""

    @property
    def label(self) -> str:
        name = self.short_title or self.title or self.doc
        return f"《{name}》{self.article}"


def canonical_article(label: str) -> str:
    """第50条之1 -> 第五十条之一; other labels (一, 全文) unchanged, whitespace removed."""
    return normalize_article_refs(re.sub(r"\s+", "", label))


def ref_matches(found: Ref, expected: Ref) -> bool:
    """(doc, article) equal, or (title or short_title, article) equal when the doc differs."""
    if canonical_article(found.article) != canonical_article(expected.article):
        return False
    if found.doc and found.doc == expected.doc:
        return True
    found_names = {found.title, found.short_title} - {""}
    expected_names = {expected.title, expected.short_title} - {""}
    return bool(found_names & expected_names)


def _match_index(found: Ref, expected: Sequence[Ref]) -> int | None:
    for i, ref in enumerate(expected):
        if ref_matches(found, ref):
            return i
    return None


def graded(gold: Sequence[Ref], acceptable: Sequence[Ref]) -> list[tuple[Ref, int]]:
    """Distinct expected references with grades: gold 2, acceptable 1 (gold wins a tie)."""
    out: list[tuple[Ref, int]] = []
    for ref, grade in [(r, 2) for r in gold] + [(r, 1) for r in acceptable]:
        if _match_index(ref, [r for r, _ in out]) is None:
            out.append((ref, grade))
    return out


def first_relevant_rank(retrieved: Sequence[Ref], expected: Sequence[Ref], k: int) -> int | None:
    """1-based rank of the first retrieved reference matching any expected one, within k."""
    for rank, found in enumerate(retrieved[:k], start=1):
        if _match_index(found, expected) is not None:
            return rank
    return None


def recall_at_k(
    retrieved: Sequence[Ref], gold: Sequence[Ref], acceptable: Sequence[Ref], k: int
) -> float | None:
    expected = [*gold, *acceptable]
    if not expected:
        return None
    return 1.0 if first_relevant_rank(retrieved, expected, k) is not None else 0.0


def strict_recall_at_k(retrieved: Sequence[Ref], gold: Sequence[Ref], k: int) -> float | None:
    if not gold:
        return None
    return 1.0 if first_relevant_rank(retrieved, gold[:1], k) is not None else 0.0


def gold_recall_at_k(retrieved: Sequence[Ref], gold: Sequence[Ref], k: int) -> float | None:
    distinct_gold = _distinct(gold)
    if not distinct_gold:
        return None
    top = list(retrieved[:k])
    return sum(1 for ref in distinct_gold if _match_index(ref, top) is not None) / len(distinct_gold)


def mrr_at_k(
    retrieved: Sequence[Ref], gold: Sequence[Ref], acceptable: Sequence[Ref], k: int
) -> float | None:
    expected = [*gold, *acceptable]
    if not expected:
        return None
    rank = first_relevant_rank(retrieved, expected, k)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(
    retrieved: Sequence[Ref], gold: Sequence[Ref], acceptable: Sequence[Ref], k: int
) -> float | None:
    grades = graded(gold, acceptable)
    if not grades:
        return None
    refs = [r for r, _ in grades]
    credited: set[int] = set()
    dcg = 0.0
    for rank, found in enumerate(retrieved[:k], start=1):
        i = _match_index(found, refs)
        if i is None or i in credited:
            continue
        credited.add(i)
        dcg += grades[i][1] / math.log2(rank + 1)
    ideal = sorted((g for _, g in grades), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg


def _distinct(refs: Iterable[Ref]) -> list[Ref]:
    out: list[Ref] = []
    for ref in refs:
        if _match_index(ref, out) is None:
            out.append(ref)
    return out


def citation_precision(cited: Sequence[Ref], gold: Sequence[Ref], acceptable: Sequence[Ref]) -> float | None:
    """Share of distinct cited references that are in gold ∪ acceptable; None with no citations."""
    distinct = _distinct(cited)
    if not distinct:
        return None
    expected = [*gold, *acceptable]
    return sum(1 for ref in distinct if _match_index(ref, expected) is not None) / len(distinct)


def citation_recall(cited: Sequence[Ref], gold: Sequence[Ref]) -> float | None:
    """Share of distinct gold references that are cited; None with no gold."""
    distinct_gold = _distinct(gold)
    if not distinct_gold:
        return None
    return sum(1 for ref in distinct_gold if _match_index(ref, cited) is not None) / len(distinct_gold)


CitationChecker = Callable[[Ref, str], bool]


def citation_failures(
    citations: Sequence[tuple[Ref, str]], checker: CitationChecker
) -> list[tuple[Ref, str]]:
    """The (reference, quote) pairs whose label is missing from the index or whose quote is not verbatim.

    ``checker(ref, quote)`` must answer from the index: True when the cited article exists and
    the quote occurs verbatim in one of its passages.
    """
    return [(ref, quote) for ref, quote in citations if not checker(ref, quote)]


def citation_validity(citations: Sequence[tuple[Ref, str]], checker: CitationChecker) -> float | None:
    """Share of citations the index backs (label exists, quote verbatim); None with no citations."""
    if not citations:
        return None
    return 1.0 - len(citation_failures(citations, checker)) / len(citations)


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
KEY_POINT_THRESHOLD = 0.5


def cjk_bigrams(text: str) -> set[str]:
    """Character bigrams inside each run of CJK ideographs.

    Punctuation, spaces, Latin letters and digits split runs and are dropped, so no bigram
    spans a comma: "隐私权，任何" -> {隐私, 私权, 任何}. A run of one character yields that character.
    """
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def key_point_covered(point: str, support: str, threshold: float = KEY_POINT_THRESHOLD) -> bool:
    """A key point is covered when ≥ threshold (default 50%) of its CJK bigrams occur in the support.

    The support is the answer text plus the cited quotes, split into bigrams the same way
    (``cjk_bigrams``). A key point with no CJK characters is never covered.
    """
    needed = cjk_bigrams(point)
    if not needed:
        return False
    return len(needed & cjk_bigrams(support)) / len(needed) >= threshold


def key_point_coverage(key_points: Sequence[str], answer: str, quotes: Sequence[str] = ()) -> float | None:
    """Share of key points covered by the answer text and quotes; None with no key points."""
    if not key_points:
        return None
    support = "\n".join([answer, *quotes])
    return sum(1 for p in key_points if key_point_covered(p, support)) / len(key_points)


def verdict_correct(expected: str | None, emitted: str | None) -> float | None:
    """unlawful ↔ 违规风险; depends ↔ 需复核; lawful ↔ neither. None when either side is absent."""
    if expected is None or emitted is None:
        return None
    if expected == "depends":
        return 1.0 if emitted == "需复核" else 0.0
    flagged = emitted == "违规风险"
    return 1.0 if flagged == (expected == "unlawful") else 0.0


def conclusion_correct(expected: str | None, emitted: str | None) -> float | None:
    """1 when the conclusion label equals the expected one (no label emitted is wrong); None if unlabelled."""
    if expected is None:
        return None
    return 1.0 if emitted == expected else 0.0


def refusal_correct(answerable: bool, refused: bool) -> float | None:
    """On an unanswerable question, 1 when the system refused; None on answerable ones."""
    if answerable:
        return None
    return 1.0 if refused else 0.0


def false_refusal(answerable: bool, refused: bool) -> float | None:
    """On an answerable question, 1 when the system refused; None on unanswerable ones."""
    if not answerable:
        return None
    return 1.0 if refused else 0.0


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean(values: Iterable[float | None]) -> tuple[float | None, int]:
    """Mean of the non-None values and how many there were; (None, 0) when there are none."""
    present = [v for v in values if v is not None]
    if not present:
        return None, 0
    return sum(present) / len(present), len(present)
