"""jieba's word table read on demand (regkb.derived_cache.StringTable): tokens identical to the whole
dictionary's, the cache rebuilt when missing or corrupt, the whole table loaded after enough text."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from regkb import derived_cache, lexical
from regkb.lexical import tokenize

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A process-like start: no tokenizer loaded, the cache under tmp_path."""
    monkeypatch.setattr(derived_cache, "CACHE_ROOT", tmp_path)
    _reset(monkeypatch)
    yield tmp_path


def _reset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("_tokenizer", None), ("_words", None), ("_lazy", None), ("_lazy_chars", 0)):
        monkeypatch.setattr(lexical, name, value)


def _texts() -> list[str]:
    texts = ["催收人员能否在晚上十点以后给债务人的同事打电话？", "委外催收机构不得以软暴力手段催收", ""]
    for path in sorted((REPO / "corpus").rglob("*.md"))[:5]:
        text = path.read_text(encoding="utf-8")
        texts += [text[i : i + 1 + i % 120] for i in range(0, min(len(text), 3000), 53)]
    rng = random.Random(3)
    alphabet = "催收债务人的同事电话利息第条款年月日银行委外软暴力abc 123，。！" + "".join(
        chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(60)
    )
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    return texts


def test_on_demand_table_cuts_exactly_as_the_whole_dictionary(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _texts()
    expected = [tokenize(t) for t in texts]  # first start: builds the table, uses the whole dictionary
    assert lexical._tokenizer is not None
    assert len(list((fresh / "jieba").glob("words-*/table.sqlite"))) == 1
    _reset(monkeypatch)  # next start: reads the table on demand
    monkeypatch.setattr(lexical, "FULL_AFTER_CHARS", 10**9)
    got = [tokenize(t) for t in texts]
    assert lexical._tokenizer is None and lexical._lazy is not None
    assert got == expected
    assert "委外催收" in got[1] and "软暴力" in got[1]  # the user dictionary is in the table
    assert len(lexical._lazy.FREQ) < 100_000  # far from jieba's ~500k entries


def test_the_whole_dictionary_loads_after_enough_text(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "客户不接电话，我能打给他同事吗？"
    tokenize(question)
    _reset(monkeypatch)
    monkeypatch.setattr(lexical, "FULL_AFTER_CHARS", 3 * len(question))
    first = tokenize(question)
    assert lexical._tokenizer is None
    tokenize(question)
    tokenize(question)
    assert lexical._tokenizer is None
    assert tokenize(question) == first  # the fourth exceeds the budget: the whole dictionary
    assert lexical._tokenizer is not None


@pytest.mark.parametrize("damage", ["garbage", "digest", "missing-meta"])
def test_damaged_table_is_rebuilt(fresh: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    question = "催收时能否联系债务人的同事？"
    expected = tokenize(question)
    entry = next((fresh / "jieba").glob("words-*"))
    if damage == "garbage":
        (entry / "table.sqlite").write_bytes(b"not sqlite at all")
    elif damage == "digest":
        (entry / "table.sha256").write_text("0" * 64, encoding="ascii")
    else:
        (entry / "table.sha256").unlink()
    _reset(monkeypatch)
    assert tokenize(question) == expected
    assert lexical._tokenizer is not None  # rebuilt: the whole dictionary was loaded for it
    _reset(monkeypatch)
    assert tokenize(question) == expected
    assert lexical._tokenizer is None  # the rewritten table is read on demand again
