"""The 问答 page's answer: a coloured badge for the conclusion label, the line, the comparison lines,
and the whole answer as display blocks (answer_view)."""

from __future__ import annotations

import html

from regkb.types import Answer, Conclusion
from regkb.ui import cards
from regkb.ui.blocks import Block, Group, View

# Badge colours per conclusion label (background, text).
LABEL_COLOURS: dict[str, tuple[str, str]] = {
    "不可以": ("#c62828", "#ffffff"),
    "可以": ("#2e7d32", "#ffffff"),
    "有条件可以": ("#ef6c00", "#ffffff"),
    "视情况而定": ("#546e7a", "#ffffff"),
}
CONCLUSION_CSS = """
<style>
.regkb-conclusion {font-size: 1.1rem; font-weight: 600; margin: 0.2rem 0 0.6rem 0; line-height: 1.7;}
.regkb-verdict {border-radius: 6px; padding: 0.1rem 0.6rem; margin-right: 0.5rem; font-size: 1.05rem;}
</style>
"""
_COMPARISON = ("公司制度要求：", "法律规定：")


def label_badge(label: str) -> str:
    background, colour = LABEL_COLOURS.get(label, ("#9e9e9e", "#ffffff"))
    return (
        f'<span class="regkb-verdict" data-label="{html.escape(label)}" '
        f'style="background:{background};color:{colour}">{html.escape(label)}</span>'
    )


def conclusion_html(conclusion: Conclusion) -> str:
    """The badge (when the question is a permission question) followed by the conclusion line."""
    badge = label_badge(conclusion.label) if conclusion.label else ""
    text = conclusion.text
    if conclusion.label and text.startswith(conclusion.label):
        text = text[len(conclusion.label) :].lstrip("。，,：: ")
    return f'<div class="regkb-conclusion">{badge}{html.escape(text)}</div>'


def comparison_lines(answer: Answer) -> list[str]:
    """The 「公司制度要求……」「法律规定……」 lines of an extractive answer."""
    return [line for line in answer.text.splitlines() if line.startswith(_COMPARISON)]


def is_extractive(answer: Answer) -> bool:
    """True for the rule-based answer (its text repeats the quotes the cards show, so it is not shown)."""
    return answer.text.startswith("结论：")


def answer_view(answer: Answer) -> View:
    """A refusal with what may be related, or the conclusion, 依据 cards and 相关条文; then notes."""
    view: View = []
    if answer.refused:
        view.append(Block("warning", answer.text, "🚫"))
        related = cards.maybe_related(answer.retrieved)
        if related:
            view.append(
                Block(
                    "markdown", "**可能相关**（仅供参考，未作为依据）：\n\n" + cards.related_markdown(related)
                )
            )
    else:
        view += conclusion_view(answer)
    return view + [Block("caption", f"ℹ️ {note}") for note in answer.notes]


def conclusion_view(answer: Answer) -> View:
    """Conclusion badge and line, then 依据 cards (each quote once), then 相关条文 collapsed."""
    view: View = []
    if answer.conclusion is not None:
        view.append(Block("html", conclusion_html(answer.conclusion)))
    if answer.criminal:
        view.append(Block("error", "注意：依据中包含刑法条文，相关行为可能构成犯罪。", "⚠️"))
    if not is_extractive(answer):
        view.append(Block("markdown", answer.text))  # an LLM-written answer
    view += [Block("markdown", line) for line in [*comparison_lines(answer), "**依据**"]]
    view += [Block("html", cards.card_html(card)) for card in cards.cards_for(answer)]
    related = tuple(Block("html", cards.card_html(card)) for card in cards.related_cards(answer))
    if related:
        view.append(Group(related, f"相关条文（{len(related)}，未作为依据）"))
    return view
