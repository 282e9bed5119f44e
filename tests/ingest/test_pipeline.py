"""The ingest pipeline on generated corpora, with the hash embedder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.generation import IndexLock
from regkb.embedders import make_embedder
from regkb.errors import IndexMissingError, RegkbError
from regkb.index import IndexReader
from tests.ingest.factory import entry, ingest, small_corpus, write_law, write_manifest


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    small_corpus(root)
    return root


def _open(index: Path) -> IndexReader:
    reader = IndexReader.open(index)
    assert reader.dense("hash").count() == len(reader.passages)
    assert len(reader.lexical) == len(reader.passages)
    return reader


def test_first_ingest_indexes_every_article(corpus: Path, tmp_path: Path) -> None:
    report = ingest([corpus], tmp_path / "idx")
    assert report.committed and report.files_failed == () and report.warnings == ()
    assert (report.added, report.updated, report.removed, report.unchanged) == (12, 0, 0, 0)
    assert report.embedded == {"hash": 12}
    reader = _open(tmp_path / "idx")
    assert reader.generation == report.generation == IndexReader.current_generation(tmp_path / "idx")
    assert [d.doc_id for d in reader.documents] == ["laws/alpha.md", "laws/beta.md", "rules/gamma.md"]
    assert [d.passages for d in reader.documents] == [5, 4, 3]
    assert reader.documents[0].root == "corpus" and reader.documents[0].level == "法律"
    assert [p.article for p in reader.passages_of("laws/beta.md")] == ["第一条", "第二条", "第三条", "第四条"]
    assert reader.embedder_specs == {"hash": "hash"}
    assert reader.report["generation"] == report.generation


def test_unchanged_corpus_embeds_nothing(corpus: Path, tmp_path: Path) -> None:
    first = ingest([corpus], tmp_path / "idx")
    second = ingest([corpus], tmp_path / "idx")
    third = ingest([corpus], tmp_path / "idx")
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 0, 0, 12)
    assert third.embedded == {"hash": 0}
    gens = {p.name for p in (tmp_path / "idx" / "generations").iterdir()}
    # nothing changed: no new generation is written, the first stays current (a no-op)
    assert gens == {first.generation} == {second.generation, third.generation}
    assert IndexReader.current_generation(tmp_path / "idx") == first.generation
    assert len(_open(tmp_path / "idx").passages) == 12


def test_changed_file_reembeds_only_changed_passages_and_deleted_file_goes(
    corpus: Path, tmp_path: Path
) -> None:
    ingest([corpus], tmp_path / "idx")
    write_law(
        corpus, "laws/alpha.md", "中华人民共和国甲法", 6, changed={2: "催收不得在晚间十时后拨打债务人电话。"}
    )
    (corpus / "rules" / "gamma.md").unlink()
    report = ingest([corpus], tmp_path / "idx")
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 3, 8)
    assert report.embedded == {"hash": 2}
    assert report.warnings == ("corpus/laws/alpha.md: parsed 6 articles (第X条) but the metadata says 5",)
    reader = _open(tmp_path / "idx")
    assert [d.doc_id for d in reader.documents] == ["laws/alpha.md", "laws/beta.md"]
    query = make_embedder("hash").embed_query("晚间十时后拨打电话")
    best = reader.by_id[reader.dense("hash").query(query, 1)[0][0]]
    assert (best.doc_id, best.article) == ("laws/alpha.md", "第二条")
    assert reader.lexical.search("晚间拨打电话", 1)[0][0] == best.id


def test_metadata_change_updates_passages_without_embedding(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "idx")
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries[1]["status"] = "已废止"
    write_manifest(corpus, entries)
    report = ingest([corpus], tmp_path / "idx")
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 4, 0, 8)
    assert report.embedded == {"hash": 0}
    reader = _open(tmp_path / "idx")
    assert {p.status for p in reader.passages_of("laws/beta.md")} == {"已废止"}


def test_rebuild_starts_fresh_but_reuses_cached_vectors(corpus: Path, tmp_path: Path) -> None:
    first = ingest([corpus], tmp_path / "idx")
    report = ingest([corpus], tmp_path / "idx", rebuild=True)
    assert (report.added, report.unchanged, report.embedded["hash"]) == (12, 0, 0)
    reader = _open(tmp_path / "idx")
    assert reader.generation != first.generation and len(reader.passages) == 12


def test_changing_channels_builds_the_new_collection(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "idx")
    report = ingest([corpus], tmp_path / "idx", dense=["hash:64"])
    assert report.embedded == {"hash:64": 12}
    reader = IndexReader.open(tmp_path / "idx")
    assert reader.channels == ["hash:64"] and reader.dense("hash:64").count() == 12
    with pytest.raises(RegkbError, match="no dense channel 'hash'"):
        reader.dense("hash")


def test_same_title_in_two_roots_keeps_the_later_version(tmp_path: Path) -> None:
    old, new = tmp_path / "a" / "corpus", tmp_path / "b" / "corpus"
    write_law(old, "law.md", "中华人民共和国丁法", 3)
    write_manifest(old, [entry("law.md", "中华人民共和国丁法", 3, effective="2023-01-01")])
    write_law(new, "d.md", "中华人民共和国丁法", 4)
    write_manifest(new, [entry("d.md", "中华人民共和国丁法", 4, effective="2020-01-01")])
    report = ingest([old, new], tmp_path / "idx")  # the earlier PATH has the later effective date
    assert report.roots == ("corpus", "b-corpus")
    assert [(s.file, s.by) for s in report.superseded] == [("b-corpus/d.md", "corpus/law.md")]
    reader = _open(tmp_path / "idx")
    assert [(d.root, d.doc_id) for d in reader.documents] == [("corpus", "law.md")]
    assert len(reader.passages) == 3


def test_equal_dates_later_path_argument_wins(tmp_path: Path) -> None:
    for name, n in (("one", 2), ("two", 3)):
        write_law(tmp_path / name, "x.md", "戊规定", n)
        write_manifest(tmp_path / name, [entry("x.md", "戊规定", n, effective="2021-01-01")])
    report = ingest([tmp_path / "one", tmp_path / "two"], tmp_path / "idx")
    assert [s.file for s in report.superseded] == ["one/x.md"]
    assert report.documents == 1 and report.passages == 3


def test_bad_file_is_reported_and_the_rest_goes_on(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "idx")
    (corpus / "laws" / "alpha.md").write_bytes(b"")  # was good: its previous passages stay
    (corpus / "scan.pdf").write_bytes(os.urandom(256))  # never indexed
    report = ingest([corpus], tmp_path / "idx")
    failed = {f.file: f for f in report.files_failed}
    assert set(failed) == {"corpus/laws/alpha.md", "corpus/scan.pdf"}
    assert "empty" in failed["corpus/laws/alpha.md"].reason and failed["corpus/laws/alpha.md"].kept_previous
    assert "scan.pdf" in failed["corpus/scan.pdf"].reason and not failed["corpus/scan.pdf"].kept_previous
    assert set(report.files_ok) == {"corpus/laws/beta.md", "corpus/rules/gamma.md"}
    assert (report.removed, report.unchanged) == (0, 12)
    reader = _open(tmp_path / "idx")
    assert len(reader.passages_of("laws/alpha.md")) == 5
    assert "FAILED     corpus/scan.pdf" in report.format_text()


def test_strict_leaves_the_index_untouched(corpus: Path, tmp_path: Path) -> None:
    first = ingest([corpus], tmp_path / "idx")
    write_law(corpus, "laws/beta.md", "中华人民共和国乙法", 4, changed={1: "新的文本。"})
    (corpus / "broken.docx").write_bytes(b"not a zip")
    report = ingest([corpus], tmp_path / "idx", strict=True)
    assert not report.committed and [f.file for f in report.files_failed] == ["corpus/broken.docx"]
    assert IndexReader.current_generation(tmp_path / "idx") == first.generation
    assert "not changed" in report.format_text()


def test_invalid_manifest_fails_its_files_with_the_field(corpus: Path, tmp_path: Path) -> None:
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries[0]["effective"] = "2021-13-45"
    write_manifest(corpus, entries)
    report = ingest([corpus], tmp_path / "idx")
    assert len(report.files_failed) == 3 and report.passages == 0
    assert all("effective" in f.reason for f in report.files_failed)


def test_discovery_skips_data_and_hidden_files_and_names_single_files(corpus: Path, tmp_path: Path) -> None:
    write_law(corpus, "_src/draft.md", "草稿", 1)
    write_law(corpus, ".hidden/x.md", "隐藏", 1)
    (corpus / "README.md").write_text("# 说明\n", encoding="utf-8")
    (corpus / "sources.toml").write_text("", encoding="utf-8")
    report = ingest([corpus], tmp_path / "idx")
    assert sorted(report.files_ok) == ["corpus/laws/alpha.md", "corpus/laws/beta.md", "corpus/rules/gamma.md"]
    single = ingest([corpus / "laws" / "beta.md"], tmp_path / "idx2")  # keeps its root and manifest
    assert single.files_ok == ("corpus/laws/beta.md",) and single.warnings == ()


def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(RegkbError, match="no such file or directory"):
        ingest([tmp_path / "nope"], tmp_path / "idx")


def test_reader_without_index_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="regkb ingest"):
        IndexReader.open(tmp_path / "idx")
    assert IndexReader.current_generation(tmp_path / "idx") is None


def test_second_writer_fails_fast(corpus: Path, tmp_path: Path) -> None:
    with IndexLock(tmp_path / "idx"), pytest.raises(RegkbError, match="another ingest"):
        ingest([corpus], tmp_path / "idx")


def test_reader_keeps_working_while_a_new_generation_is_written(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "idx")
    reader = IndexReader.open(tmp_path / "idx")
    write_law(corpus, "laws/beta.md", "中华人民共和国乙法", 4, changed={3: "完全不同的第三条。"})
    ingest([corpus], tmp_path / "idx")
    assert IndexReader.current_generation(tmp_path / "idx") != reader.generation
    query = make_embedder("hash").embed_query("依法处理债务")
    assert len(reader.dense("hash").query(query, 5)) == 5  # the old generation is still readable
    reader.close()


@pytest.mark.integration
def test_ingest_all_of_the_shared_corpus(shared_corpus: Path, tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths
    from tests.conftest import shared_manifest

    manifest = {e["path"]: e for e in shared_manifest()}
    report = ingest_paths([shared_corpus], tmp_path / "idx", dense=["hash"], max_tokens=480)
    assert report.files_failed == () and report.superseded == ()
    assert report.warnings == ()  # no article-count mismatch against the manifest
    reader = _open(tmp_path / "idx")
    assert sorted(d.doc_id for d in reader.documents) == sorted(manifest)
    assert report.passages == len(reader.passages) >= sum(e["articles"] for e in manifest.values())
    for doc in reader.documents:
        passages = reader.passages_of(doc.doc_id)
        assert doc.passages == len(passages)
        labels = {p.article for p in passages if p.article.startswith("第")}
        assert len(labels) == manifest[doc.doc_id]["articles"], doc.doc_id
        assert doc.title == manifest[doc.doc_id]["title"] and doc.root == "corpus"


def test_lexical_index_is_reused_only_while_texts_are_the_same(corpus: Path, tmp_path: Path) -> None:
    ingest([corpus], tmp_path / "idx")
    ingest([corpus], tmp_path / "idx")  # unchanged: the BM25 files are carried over
    assert IndexReader.open(tmp_path / "idx").lexical.search("庚简称", 3) == []
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries[2]["short_title"] = "庚简称"  # only the embed text changes (ids stay)
    write_manifest(corpus, entries)
    report = ingest([corpus], tmp_path / "idx")
    assert (report.updated, report.embedded["hash"]) == (3, 3)
    hits = IndexReader.open(tmp_path / "idx").lexical.search("庚简称", 5)
    assert len(hits) == 3


def test_a_change_in_how_lexical_texts_are_made_rebuilds_the_bm25_index(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same passages, but the names regkb.names adds to each lexical text changed (new code):
    the re-ingest is not a no-op, and the new generation's BM25 index holds the new names."""
    import ingest.writer as writer

    first = ingest([corpus], tmp_path / "idx")
    assert IndexReader.open(tmp_path / "idx").lexical.search("辛别名", 3) == []
    original = writer.lexical_text
    monkeypatch.setattr(writer, "lexical_text", lambda p: f"{original(p)} 辛别名")
    second = ingest([corpus], tmp_path / "idx")
    assert second.generation != first.generation and second.embedded == {"hash": 0}
    assert len(IndexReader.open(tmp_path / "idx").lexical.search("辛别名", 20)) == 12
    third = ingest([corpus], tmp_path / "idx")  # nothing changed since: a no-op again
    assert third.generation == second.generation


def test_a_long_document_with_no_clause_numbering_is_ingested_whole_with_a_warning(tmp_path: Path) -> None:
    """A policy whose clauses carry no number the parser knows is still indexed (as 全文 parts), and
    the report says that no answer can cite a clause of it; a short notice kept whole is no news."""
    body = "".join(
        f"外访人员应当遵守第{n}项要求，做好登记、录音和回访工作，不得擅自变更外访对象与时间。\n\n"
        for n in range(80)
    )
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "rules.md").write_text(f"# 青禾资产管理有限公司外访须知\n\n{body}", encoding="utf-8")
    (tmp_path / "drop" / "notice.md").write_text(
        "# 青禾资产管理有限公司通知\n\n本周五停电。\n", encoding="utf-8"
    )
    report = ingest([tmp_path / "drop"], tmp_path / "idx")
    whole = [w for w in report.warnings if "no clause numbering" in w]
    assert len(whole) == 1 and whole[0].startswith("drop/rules.md: ") and "全文" in whole[0]
    reader = _open(tmp_path / "idx")
    parts = reader.passages_of("rules.md")
    assert len(parts) > 1 and {p.article for p in parts} == {"全文"}
    assert str(len(parts)) in whole[0]
    law = tmp_path / "laws"  # a law kept whole (a 决定, an amendment) is what it is: no warning
    write_manifest(
        law, [{**entry("decision.md", "全国人民代表大会常务委员会关于某事项的决定", 0), "articles": None}]
    )
    (law / "decision.md").write_text(f"# 决定\n\n{body}", encoding="utf-8")
    assert not [w for w in ingest([law], tmp_path / "idx-law").warnings if "no clause numbering" in w]


def test_a_policy_with_no_metadata_gets_its_level_from_the_title_and_a_warning(tmp_path: Path) -> None:
    policy = tmp_path / "drop" / "visits.md"
    policy.parent.mkdir()
    policy.write_text(
        "# 青禾资产管理有限公司外访作业规定\n\n第一条 为规范本公司外访。\n\n第二条 外访应当两人以上。\n",
        encoding="utf-8",
    )
    report = ingest([policy], tmp_path / "idx")
    assert report.warnings == (
        "drop/visits.md: no manifest entry or front matter level; level 内部制度 inferred from its title "
        "(list it in manifest.json to set level, issuer and dates)",
    )
    (doc,) = _open(tmp_path / "idx").documents
    assert (doc.level, doc.issuer) == ("内部制度", "青禾资产管理有限公司")
