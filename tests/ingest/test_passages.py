"""Passages: one per article, long ones split at 款/项 boundaries without losing text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.passages import make_passages, split_text
from regkb.structure import parse
from regkb.types import DocMeta, SourceDocument


def _doc(text: str) -> SourceDocument:
    meta = DocMeta(title="示例催收守则", short_title="催收守则", level="内部制度", issuer="示例公司")
    return SourceDocument(doc_id="internal/rules.md", root="corpus", text=text, meta=meta, content_hash="x")


def chars(text: str) -> int:
    return len(text)


TEXT = "\n".join(
    [
        "# 示例催收守则",
        "## 第一章 总则",
        "第一条 短条文。",
        "第二条 " + "催收人员应当遵守规定。" * 3,
        "",
        "第二款" + "不得骚扰第三人。" * 3,
        "",
        "（一）" + "不得夜间致电。" * 3,
    ]
)


def test_one_passage_per_article_with_metadata() -> None:
    doc = _doc(TEXT)
    passages = make_passages(doc, parse(TEXT), chars, max_tokens=1000)
    labels = [p.article for p in passages]
    assert labels == ["第一条", "第二条"]
    first = passages[0]
    assert first.citation_label == "《催收守则》第一条"
    assert first.heading_path == ("第一章 总则",)
    assert first.embed_text.startswith("《催收守则》 第一章 总则 第一条\n第一条 短条文。")
    assert first.level == "内部制度" and first.issuer == "示例公司"
    assert len({p.id for p in passages}) == len(passages)


def test_long_article_split_at_paragraphs_keeps_label_and_part() -> None:
    doc = _doc(TEXT)
    passages = make_passages(doc, parse(TEXT), chars, max_tokens=70)
    second = [p for p in passages if p.article == "第二条"]
    assert len(second) == 3
    assert [p.part for p in second] == [0, 1, 2] and all(p.parts == 3 for p in second)
    assert second[1].text.startswith("第二款") and second[2].text.startswith("（一）")
    for p in second:
        assert len(p.embed_text) <= 70


def test_ids_are_content_hashes() -> None:
    doc = _doc(TEXT)
    a = make_passages(doc, parse(TEXT), chars, 1000)
    b = make_passages(doc, parse(TEXT.replace("短条文", "短条款")), chars, 1000)
    assert a[1].id == b[1].id and a[0].id != b[0].id


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(alphabet="催收人员不得骚扰。；，", min_size=1, max_size=60), min_size=1, max_size=8),
    st.integers(min_value=12, max_value=80),
)
def test_split_never_exceeds_limit_unless_single_sentence(paragraphs: list[str], limit: int) -> None:
    text = "\n\n".join(paragraphs)
    parts = split_text(text, lambda s: len(s) <= limit)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    for part in parts:
        sentences = re.split(r"(?<=[。；！？])", part)
        assert len(part) <= limit or len([s for s in sentences if s]) == 1
