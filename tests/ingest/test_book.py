"""The whole statute book as an ingest option, and ingest at its scale: streamed embedding,
unchanged documents reused without parsing, one changed law re-embedded alone."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import ingest.embedding as embedding
from ingest.sources.statutes import load_book, load_statutes
from regkb.embedders import make_embedder
from regkb.errors import ConfigError
from regkb.index import IndexReader
from regkb.types import DocMeta, SourceDocument
from tests.ingest.factory import fast_stages, ingest, law_text, small_corpus

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "corpus" / "sources.toml"


@pytest.fixture(scope="module")
def book() -> dict[str, SourceDocument]:
    docs = load_statutes(SOURCES, today=date(2026, 11, 1), include="all")
    return {d.meta.short_title: d for d in docs}


def test_all_takes_one_version_of_every_law_under_its_short_name(book: dict[str, SourceDocument]) -> None:
    assert len(book) == 367  # 378 rows, 11 names with two versions: the one in force is taken
    assert {"劳动合同法", "个人所得税法", "保险法", "律师法", "民法典", "宪法"} <= set(book)
    labour = book["劳动合同法"]
    assert (labour.doc_id, labour.root, labour.meta.title) == (
        "statutes/劳动合同法",
        "statutes",
        "中华人民共和国劳动合同法",
    )
    assert book["公司法"].meta.effective >= "2024-07-01"  # the 2023 revision, not the older version
    assert {d.meta.status for d in book.values()} == {"现行有效", "已修改", "已废止", "尚未生效"}
    no_prefix = [d for d in book.values() if not d.meta.title.startswith("中华人民共和国")]
    assert no_prefix and all(d.meta.short_title == d.meta.title for d in no_prefix)
    assert len({d.doc_id for d in book.values()}) == 367 and all(
        "/" not in d.meta.short_title for d in book.values()
    )


def test_the_toml_include_and_the_bundled_book_agree(tmp_path: Path, book: dict[str, SourceDocument]) -> None:
    toml = tmp_path / "sources.toml"
    toml.write_text(
        '[statutes]\ninclude = "all"\n[[statutes.law]]\nshort_title = "个人信息保护法"\n', "utf-8"
    )
    from_file = {d.meta.short_title: d.content_hash for d in load_statutes(toml, today=date(2026, 11, 1))}
    assert from_file == {k: d.content_hash for k, d in book.items()}
    assert len(load_book(today=date(2026, 11, 1))) == 367
    toml.write_text('[statutes]\ninclude = "everything"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"sources.toml: field 'statutes.include'"):
        load_statutes(toml)


# ---- the pipeline with a small fake book ------------------------------------------------------


def _law(short: str, n: int, changed: dict[int, str] | None = None) -> SourceDocument:
    title = f"中华人民共和国{short}"
    text = law_text(title, n, changed)
    meta = DocMeta(title=title, short_title=short, level="法律", articles=n)
    return SourceDocument(
        f"statutes/{short}", "statutes", text, meta, hashlib.sha256(text.encode()).hexdigest()
    )


class _Book:
    """A statute source whose laws the test edits; counts how often each source was read."""

    def __init__(self) -> None:
        self.laws = {"劳动合同法": _law("劳动合同法", 4), "保险法": _law("保险法", 3)}
        self.book_reads = 0
        self.source_calls: list[Any] = []

    def load_book(self) -> list[SourceDocument]:
        self.book_reads += 1
        return list(self.laws.values())

    def load_sources(self, root: Path, statutes: str | None = None) -> list[SourceDocument]:
        self.source_calls.append(statutes)
        return list(self.laws.values()) if statutes == "all" else []


class _Counting:
    """Wraps the parse stage: which documents were parsed (by their title line)."""

    def __init__(self, parse: Any) -> None:
        self.parse, self.titles = parse, []

    def __call__(self, text: str) -> Any:
        self.titles.append(text.splitlines()[0])
        return self.parse(text)


def _stages(book: _Book, parsed: _Counting) -> Any:
    return dataclasses.replace(
        fast_stages(), load_book=book.load_book, load_sources=book.load_sources, parse=parsed
    )


def test_statutes_all_without_a_sources_file_adds_the_book(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    book, parsed = _Book(), _Counting(fast_stages().parse)
    plain = ingest([tmp_path / "corpus"], tmp_path / "plain", stages=_stages(book, parsed))
    assert plain.documents == 3 and book.book_reads == 0
    report = ingest([tmp_path / "corpus"], tmp_path / "idx", stages=_stages(book, parsed), statutes="all")
    assert book.book_reads == 1 and report.documents == 5 and report.passages == 12 + 7
    reader = IndexReader.open(tmp_path / "idx")
    assert {d.short_title for d in reader.documents} >= {"劳动合同法", "保险法"}
    assert reader.dense("hash").count() == 19


def test_statutes_all_is_passed_to_a_roots_sources_file(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    (tmp_path / "corpus" / "sources.toml").write_text("[statutes]\n", "utf-8")
    book, parsed = _Book(), _Counting(fast_stages().parse)
    report = ingest([tmp_path / "corpus"], tmp_path / "idx", stages=_stages(book, parsed), statutes="all")
    assert book.source_calls == ["all"] and book.book_reads == 0 and report.documents == 5


def test_unchanged_documents_are_not_parsed_again_and_one_changed_law_reembeds_alone(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    book, parsed = _Book(), _Counting(fast_stages().parse)
    stages = _stages(book, parsed)
    ingest([tmp_path / "corpus"], tmp_path / "idx", stages=stages, statutes="all")
    assert len(parsed.titles) == 5
    parsed.titles.clear()
    again = ingest([tmp_path / "corpus"], tmp_path / "idx", stages=stages, statutes="all")
    assert parsed.titles == [] and again.embedded == {"hash": 0} and again.unchanged == 19
    book.laws["保险法"] = _law("保险法", 3, changed={2: "保险人应当及时履行赔偿义务。"})
    changed = ingest([tmp_path / "corpus"], tmp_path / "idx", stages=stages, statutes="all")
    assert parsed.titles == ["# 中华人民共和国保险法"]
    assert (changed.updated, changed.unchanged, changed.embedded) == (1, 18, {"hash": 1})
    reader = IndexReader.open(tmp_path / "idx")
    (article,) = [p for p in reader.passages_of("statutes/保险法") if p.article == "第二条"]
    assert "及时履行赔偿义务" in article.text
    best = reader.dense("hash").query(make_embedder("hash").embed_query("保险人及时履行赔偿义务"), 1)[0][0]
    assert best == article.id


def test_a_changed_token_limit_parses_again(tmp_path: Path) -> None:
    small_corpus(tmp_path / "corpus")
    book, parsed = _Book(), _Counting(fast_stages().parse)
    ingest([tmp_path / "corpus"], tmp_path / "idx", stages=_stages(book, parsed))
    parsed.titles.clear()
    ingest([tmp_path / "corpus"], tmp_path / "idx", stages=_stages(book, parsed), max_tokens=300)
    assert len(parsed.titles) == 3


class _Recording:
    """A hash embedder that records how many texts each call embeds."""

    def __init__(self) -> None:
        self._inner = make_embedder("hash")
        self.name, self.dim, self.calls = self._inner.name, self._inner.dim, []

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)


def test_embedding_streams_in_bounded_steps_with_document_and_passage_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "STREAM_BATCH", 4)
    monkeypatch.setattr(embedding, "EMBED_BATCH", 3)
    small_corpus(tmp_path / "corpus")  # 5 + 4 + 3 articles
    recorder = _Recording()
    events: list[tuple[str, int, int]] = []
    stages = dataclasses.replace(fast_stages(), make_embedder=lambda spec, threads: recorder)
    report = ingest(
        [tmp_path / "corpus"], tmp_path / "idx", stages=stages,
        progress=lambda stage, done, total: events.append((stage, done, total)),
    )  # fmt: skip
    assert report.embedded == {"hash": 12}
    assert max(recorder.calls) <= 3 and sum(recorder.calls) == 12  # never more than one step's texts
    passages = [e for e in events if e[0] == "passages"]
    assert passages == [("passages", 4, 12), ("passages", 8, 12), ("passages", 12, 12)]
    documents = [e for e in events if e[0] == "documents"]
    assert documents == [("documents", 0, 3), ("documents", 1, 3), ("documents", 3, 3)]  # 5 | 4 | 3 articles
    assert ("embed:hash", 0, 12) in events and ("embed:hash", 12, 12) in events


def test_bm25_tokens_are_cached_so_a_changed_law_is_tokenized_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.writer as writer
    from regkb.lexical import LexicalIndex, tokenize

    tokenized: list[str] = []

    def counting(text: str) -> list[str]:
        tokenized.append(text)
        return tokenize(text)

    monkeypatch.setattr(writer, "tokenize", counting)
    small_corpus(tmp_path / "corpus")
    book, parsed = _Book(), _Counting(fast_stages().parse)
    stages = _stages(book, parsed)
    ingest([tmp_path / "corpus"], tmp_path / "idx", stages=stages, statutes="all")
    assert len(tokenized) == 19
    tokenized.clear()
    book.laws["保险法"] = _law("保险法", 3, changed={2: "保险人应当及时履行赔偿义务。"})
    ingest([tmp_path / "corpus"], tmp_path / "idx", stages=stages, statutes="all")
    assert len(tokenized) == 1 and "及时履行赔偿义务" in tokenized[0]
    reader = IndexReader.open(tmp_path / "idx")
    fresh = LexicalIndex.build(
        [p.id for p in reader.passages], [writer.lexical_text(p) for p in reader.passages]
    )
    for query in ("及时履行赔偿义务", "劳动合同法第三项事务", "甲法催收机构"):
        assert reader.lexical.search(query, 5) == fresh.search(query, 5)
