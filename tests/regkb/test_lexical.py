from __future__ import annotations

from pathlib import Path

from regkb.lexical import LexicalIndex, tokenize


def test_article_numbers_are_normalised_and_kept_whole() -> None:
    assert tokenize("依照第50条处罚") == tokenize("依照第五十条处罚")
    assert "第五十条" in tokenize("依照第50条处罚")
    assert "第二百九十三条之一" in tokenize("刑法第293条之1规定")


def test_userdict_terms_stay_whole() -> None:
    # plain jieba cuts these into 委外/催收 and 软/暴力; the project dictionary keeps them
    assert "委外催收" in tokenize("银行开展委外催收应当合规")
    assert "软暴力" in tokenize("不得以软暴力手段催收")


def test_stopwords_and_punctuation_are_dropped() -> None:
    tokens = tokenize("他说：“催收，必须合法！”  \n")
    assert "他" not in tokens
    assert not any(t in {"：", "“", "，", "！", "”", ""} for t in tokens)
    assert "催收" in tokens


def _index() -> LexicalIndex:
    texts = {
        "p1": "第五十条 催收人员不得使用暴力或者威胁方法。",
        "p2": "他他他他他他认为他的他的他们。第五条 个人信息受法律保护。",
        "p3": "第五百条 当事人在订立合同过程中应当诚信。",
    }
    return LexicalIndex.build(list(texts), list(texts.values()))


def test_arabic_article_query_finds_chinese_numbered_article() -> None:
    hits = _index().search("第50条", k=3)
    assert [pid for pid, _ in hits] == ["p1"]  # not 第五条 or 第五百条


def test_stopword_does_not_drive_scores() -> None:
    index = _index()
    assert index.search("他", k=3) == []
    hits = index.search("他 暴力", k=3)
    assert [pid for pid, _ in hits] == ["p1"]


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = _index()
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded.ids == ["p1", "p2", "p3"]
    assert loaded.search("诚信 合同", k=2) == index.search("诚信 合同", k=2)
    assert loaded.search("诚信 合同", k=2)[0][0] == "p3"


def test_empty_index_builds_saves_and_finds_nothing(tmp_path: Path) -> None:
    LexicalIndex.build([], []).save(tmp_path / "bm25")
    assert LexicalIndex.load(tmp_path / "bm25").search("催收", k=5) == []


def test_unknown_words_are_those_no_passage_contains() -> None:
    from regkb.lexical import LexicalIndex

    index = LexicalIndex.build(["a", "b"], ["借款人应当按期返还借款", "催收不得骚扰他人"])
    assert index.unknown(["借款", "工伤", "骚扰", "港股"]) == ["工伤", "港股"]
