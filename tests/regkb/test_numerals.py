from hypothesis import given
from hypothesis import strategies as st

from regkb.numerals import (
    article_label,
    cn_to_int,
    int_to_cn,
    normalize_article_refs,
    parse_article_label,
)


@given(st.integers(min_value=1, max_value=3000))
def test_round_trip_1_to_3000(n: int) -> None:
    assert cn_to_int(int_to_cn(n)) == n


@given(st.integers(min_value=1, max_value=3000), st.integers(min_value=1, max_value=20))
def test_article_label_round_trip_with_suffix(n: int, suffix: int) -> None:
    assert parse_article_label(article_label(n, suffix)) == (n, suffix)
    assert parse_article_label(article_label(n)) == (n, None)


def test_statute_spellings() -> None:
    assert int_to_cn(10) == "十"
    assert int_to_cn(15) == "十五"
    assert int_to_cn(105) == "一百零五"
    assert int_to_cn(110) == "一百一十"
    assert int_to_cn(1010) == "一千零一十"
    assert int_to_cn(1032) == "一千零三十二"
    assert int_to_cn(1260) == "一千二百六十"
    assert cn_to_int("两千") == 2000
    assert cn_to_int("二〇二一") == 2021


def test_normalize_article_refs() -> None:
    assert normalize_article_refs("个保法第13条") == "个保法第十三条"
    assert normalize_article_refs("刑法第293条之1") == "刑法第二百九十三条之一"
    assert normalize_article_refs("第五十条") == "第五十条"


def test_rejects_garbage() -> None:
    import pytest

    with pytest.raises(ValueError):
        cn_to_int("abc")
    with pytest.raises(ValueError):
        parse_article_label("第条")
