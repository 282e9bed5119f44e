"""Property-based fuzzing of the three parsers that see untrusted text: the structure parser,
the numeral conversion and the citation parser. Any input gives a defined result or ValueError,
and what they return points back into the input exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regkb.numerals import (
    NUMERAL_CHARS,
    article_label,
    cn_to_int,
    int_to_cn,
    normalize_article_refs,
    parse_article_label,
    to_int,
)
from regkb.structure import parse
from regkb.verify import find_citations

# Characters that steer the parsers, mixed with arbitrary Unicode.
_STRUCTURAL = list('第条款项章节编之一二三四五六七八九十百千万零〇两（）()、：:《》“”「」"\n 　#0123456789')
_PIECES = [
    "第一条", "第二百九十三条之一", "第5条", "第一章 总则", "第二编 分则", "（一）", "一、", "《民法典》",
    "《个人信息保护法》第十三条规定：“", "”", "、第十四条", "至第二十条", "\n\n", "# 标题\n",
]  # fmt: skip
fuzz_text = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.sampled_from(_STRUCTURAL), st.text(max_size=6)), max_size=60
).map("".join)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(fuzz_text)
def test_structure_parser_spans_point_into_the_text(text: str) -> None:
    provisions = parse(text)
    end = 0
    for p in provisions:
        assert text[p.start : p.end] == p.text
        assert p.start >= end, "provisions overlap or go backwards"
        end = p.end
        if p.label.startswith("第"):
            assert p.number is not None
            assert parse_article_label(p.label) == (p.number, p.suffix)


@FUZZ
@given(st.text(alphabet=NUMERAL_CHARS + "0123456789abc", max_size=12))
def test_numeral_parsing_returns_a_number_or_value_error(text: str) -> None:
    for convert in (cn_to_int, to_int):
        try:
            value = convert(text)
        except ValueError:
            continue
        assert isinstance(value, int) and value >= 0


@FUZZ
@given(st.integers(min_value=1, max_value=99_999), st.integers(min_value=100_000, max_value=10**12))
def test_numerals_round_trip_over_their_whole_range(n: int, too_big: int) -> None:
    assert cn_to_int(int_to_cn(n)) == n
    assert parse_article_label(article_label(n)) == (n, None)
    try:
        int_to_cn(too_big)
    except ValueError as exc:
        assert "out of range" in str(exc)
    else:
        raise AssertionError(f"int_to_cn({too_big}) should refuse numbers statutes never use")


@FUZZ
@given(fuzz_text)
def test_normalising_article_references_is_idempotent(text: str) -> None:
    once = normalize_article_refs(text)
    assert normalize_article_refs(once) == once


@FUZZ
@given(fuzz_text)
def test_citation_parser_spans_and_quotes_come_from_the_text(text: str) -> None:
    for c in find_citations(text, names=["民法典", "个人信息保护法"]):
        start, end = c.span
        assert 0 <= start < end <= len(text)
        assert text[c.doc_span[0] : c.doc_span[1]].strip("《》") in (c.document, f"《{c.document}》")
        number, suffix = parse_article_label(c.article)
        assert c.article == article_label(number, suffix)
        if c.quote is not None:
            assert c.quote_span is not None
            assert c.quote in text[c.quote_span[0] : c.quote_span[1]]
