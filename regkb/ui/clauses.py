"""The 条款审查 page's reading of a ClauseResult: a verdict line, red-line rows, governing labels.

The page never says a bare "合规": without a flag the verdict is "未发现明显冲突，请人工复核".
"""

from __future__ import annotations

from dataclasses import dataclass

from regkb.types import ClauseResult, RedlineHit
from regkb.ui.blocks import Block, Group
from regkb.ui.cards import CardData, browse_link, card_html

NO_CONFLICT = "未发现明显冲突，请人工复核"
RISK = "违规风险"
REVIEW = "需复核"


@dataclass(frozen=True, slots=True)
class VerdictView:
    kind: str  # "error" / "warning" / "info": which st.* box shows it
    text: str


def verdict_view(result: ClauseResult) -> VerdictView:
    """What to say about one clause, and how loudly."""
    if result.verdict == RISK or result.redlines:
        severity = result.severity or _gravest(result.redlines)
        suffix = f"（{severity}）" if severity else ""
        return VerdictView("error", f"{RISK}{suffix}：触发 {len(result.redlines)} 条红线规则")
    if result.verdict == REVIEW:
        return VerdictView("warning", f"{REVIEW}：请对照下列依据人工判断")
    return VerdictView("info", NO_CONFLICT)


_SEVERITY_ORDER = ("刑事", "行政", "民事", "内部")


def _gravest(redlines: tuple[RedlineHit, ...]) -> str | None:
    found = [r.severity for r in redlines if r.severity in _SEVERITY_ORDER]
    return min(found, key=_SEVERITY_ORDER.index) if found else None


def redline_markdown(hit: RedlineHit) -> str:
    """One red-line flag as Markdown: name, severity, matched words, linked provisions."""
    matched = "、".join(f"「{m}」" for m in hit.matched) or "—"
    provisions = "；".join(
        f"[{p.citation_label}]({browse_link(p.doc_id, p.article)})" for p in hit.provisions
    )
    lines = [f"**{hit.name}**（{hit.severity}） · 规则 `{hit.rule_id}`", f"- 命中：{matched}"]
    if provisions:
        lines.append(f"- 依据：{provisions}")
    return "\n".join(lines)


def summary_counts(results: list[ClauseResult]) -> dict[str, int]:
    """How many clauses fall under each displayed verdict."""
    counts = {RISK: 0, REVIEW: 0, NO_CONFLICT: 0}
    for result in results:
        view = verdict_view(result)
        key = {"error": RISK, "warning": REVIEW}.get(view.kind, NO_CONFLICT)
        counts[key] += 1
    return counts


def clause_view(result: ClauseResult) -> Group:
    """One reviewed clause in a box: its text, the verdict, red-line flags, the top 5 governing articles."""
    view = verdict_view(result)
    blocks: list[Block | Group] = [
        Block("markdown", f"**{result.label}**　{result.text}"),
        Block(view.kind, view.text),
    ]
    blocks += [Block("markdown", redline_markdown(hit)) for hit in result.redlines]
    if result.governing:
        blocks.append(Block("markdown", "相关依据："))
    for hit in result.governing[:5]:
        card = Block("html", card_html(CardData(hit.passage, ())))
        blocks.append(Group((card,), hit.passage.citation_label))
    return Group(tuple(blocks))
