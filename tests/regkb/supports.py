"""Passages of invented provisions, and supports for the conclusion rules: every clause of short
provisions of an invented law, weight 1."""

from __future__ import annotations

from regkb.force import analyse
from regkb.permission import Support
from regkb.types import Passage


def passage(text: str, article: str, title: str = "催收示例法", level: str = "法律") -> Passage:
    """A passage of an invented document titled ``title`` (its doc id ``title``.md)."""
    return Passage(
        id=Passage.make_id(f"{title}.md", article, 0, text),
        doc_id=f"{title}.md",
        root="test",
        title=title,
        short_title=title,
        level=level,
        article=article,
        text=text,
    )


def supports_of(*texts: str) -> list[Support]:
    out = []
    for i, text in enumerate(texts):
        p = Passage(
            id=Passage.make_id("law.md", f"第{i + 1}条", 0, text),
            doc_id="law.md",
            root="test",
            title="示例法",
            short_title="示例法",
            level="法律",
            article=f"第{i + 1}条",
            text=text,
        )
        out.extend(Support(p, clause, 1.0) for clause in analyse(text).clauses)
    return out
