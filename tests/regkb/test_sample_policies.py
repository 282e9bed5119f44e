"""With `set_aside_samples` (REGKB_SET_ASIDE_SAMPLES=1), the sample policies (a fictional company's,
`"sample": true` in corpus/manifest.json) step aside once the index holds a company's own: citing
示例消费金融有限公司's rules to that company's staff is a wrong basis. A question naming a sample policy,
and a filter choosing one, still reach them; by default they stay evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regkb.engine import _set_aside
from regkb.types import DocumentInfo, Filters, Passage
from tests.conftest import REPO, engine_beside_corpus

POLICY = REPO / "tests" / "fixtures" / "numbered" / "outsourced-calls.md"  # 青梧信用管理有限公司's policy
SAMPLE_ISSUER = "示例消费金融有限公司"


def _doc(doc_id: str, level: str, sample: bool = False) -> DocumentInfo:
    return DocumentInfo(doc_id, "corpus", doc_id, doc_id, level, "", "", None, "现行有效", "", 1, "", sample)


def test_the_manifest_marks_every_sample_policy_and_nothing_else() -> None:
    entries = json.loads((REPO / "corpus" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in entries if e.get("sample")} == {
        e["path"] for e in entries if e["issuer"] == SAMPLE_ISSUER
    }
    assert len([e for e in entries if e.get("sample")]) == 6


def test_samples_are_set_aside_only_beside_a_company_policy() -> None:
    sample, law = _doc("internal/a.md", "内部制度", sample=True), _doc("laws/b.md", "法律")
    assert _set_aside([sample, law]) == frozenset()  # the samples are the only policies: they answer
    assert _set_aside([sample, law, _doc("own/c.md", "内部制度")]) == {"internal/a.md"}


def test_an_excluded_document_is_not_admitted() -> None:
    passage = Passage(
        id="x",
        doc_id="internal/a.md",
        root="corpus",
        title="t",
        short_title="t",
        level="内部制度",
        article="第一条",
        text="第一条 ……",
    )
    assert Filters().admits(passage)
    assert not Filters(excluded=frozenset({"internal/a.md"})).admits(passage)


@pytest.fixture(scope="module")
def engine(hash_index: Path, tmp_path_factory: pytest.TempPathFactory):  # -> Engine, set_aside_samples on
    from regkb.engine import Engine
    from regkb.settings import Settings

    index = tmp_path_factory.mktemp("own") / "index"
    engine_beside_corpus(hash_index, index, POLICY, dense=("hash",))
    return Engine.open(Settings(index_dir=index, dense=["hash"], set_aside_samples=True))


@pytest.fixture(scope="module")
def default_engine(engine):  # -> Engine over the same index, the setting at its default
    from regkb.engine import Engine
    from regkb.settings import Settings

    return Engine.open(Settings(index_dir=engine.settings.index_dir, dense=["hash"]))


def _samples(engine) -> set[str]:
    return {d.doc_id for d in engine.documents() if d.sample}


def test_the_index_records_which_documents_are_samples(engine) -> None:
    samples = _samples(engine)
    assert len(samples) == 6
    assert all(d.issuer == SAMPLE_ISSUER for d in engine.documents() if d.doc_id in samples)


@pytest.mark.parametrize(
    "question", ["客户不接电话，我能打给他同事吗？", "晚上十点还能给客户打电话吗？", "催收录音要保存多久？"]
)
def test_no_sample_policy_is_retrieved_beside_a_company_policy(engine, default_engine, question: str) -> None:
    samples = _samples(engine)
    assert any(h.passage.doc_id in samples for h in default_engine.retrieve(question))  # by default they are
    hits = engine.retrieve(question)
    assert hits and not any(h.passage.doc_id in samples for h in hits)
    answer = engine.ask(question)
    assert not any(c.passage.doc_id in samples for c in [*answer.citations, *answer.retrieved])


def test_a_question_naming_a_sample_policy_still_reaches_it(engine) -> None:
    answer = engine.ask("示例催收作业管理办法第十条是什么")
    assert [c.label for c in answer.citations] == ["《示例催收作业管理办法》第十条"]


def test_a_filter_choosing_a_sample_policy_still_reaches_it(engine) -> None:
    (chosen,) = [d.doc_id for d in engine.documents() if d.short_title == "示例催收作业管理办法"]
    hits = engine.retrieve("晚上十点还能给客户打电话吗？", Filters(doc_ids=(chosen,)))
    assert hits and all(h.passage.doc_id == chosen for h in hits)


def test_a_sample_flag_that_is_no_boolean_fails_naming_the_field(tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.md").write_text("# 某公司制度\n\n第一条 测试。\n", encoding="utf-8")
    entry = {"path": "a.md", "title": "某公司制度", "level": "内部制度", "sample": "maybe"}
    (corpus / "manifest.json").write_text(json.dumps([entry], ensure_ascii=False), encoding="utf-8")
    report = ingest_paths([corpus], tmp_path / "index", dense=["hash"], max_tokens=480)
    (failure,) = report.files_failed
    assert "manifest.json" in failure.reason and "'sample'" in failure.reason and "a.md" in failure.reason
