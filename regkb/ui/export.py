"""An answer as a Markdown document, for the 问答 page's download button."""

from __future__ import annotations

from regkb.types import Answer
from regkb.ui.cards import cards_for, maybe_related


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def answer_markdown(answer: Answer, generated_at: str = "") -> str:
    """Question, answer, notes and every cited article verbatim, as Markdown."""
    lines = ["# 催收合规知识库 · 问答记录", ""]
    if generated_at:
        lines += [f"导出时间：{generated_at}", ""]
    lines += ["## 问题", "", answer.question, "", "## 回答", ""]
    if answer.refused:
        lines += ["**知识库中没有找到依据（拒答）**", ""]
    lines += [answer.text, ""]
    if answer.notes:
        lines += ["## 说明", "", *[f"- {note}" for note in answer.notes], ""]
    if answer.refused:
        related = maybe_related(answer.retrieved)
        if related:
            lines += ["## 可能相关", "", *[f"- {label}" for label, _ in related], ""]
        return "\n".join(lines)
    lines += ["## 依据", ""]
    for card in cards_for(answer):
        p = card.passage
        meta = " · ".join(
            x for x in (p.level, p.issuer, p.effective and f"{p.effective} 施行", p.status) if x
        )
        lines += [f"### {p.citation_label}", "", f"*{meta}*", "", _quote_block(p.text), ""]
        for quote in card.quotes:
            lines.append(f"- 引用：「{quote}」")
        if card.quotes:
            lines.append("")
    return "\n".join(lines)
