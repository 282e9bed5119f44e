"""Names and refusals follow what the index holds: with a law of the statute book indexed, its
usual short names resolve to it and refusal no longer calls it 未收录."""

from __future__ import annotations

from pathlib import Path

import pytest

from regkb.names import FuzzyNames, natural_names
from regkb.provisions import ProvisionResolver
from regkb.refusal import not_indexed_mentions
from regkb.types import Passage
from regkb.vocab import load_aliases
from tests.ingest.factory import entry, ingest, write_law, write_manifest

TAX = Passage(
    "t1",
    "statutes/个人所得税法",
    "statutes",
    "中华人民共和国个人所得税法",
    "个人所得税法",
    "法律",
    "第一条",
    "纳税人",
)


def test_short_names_of_unlisted_laws_name_the_law() -> None:
    table = load_aliases()
    assert table.law_named("个税法") == "中华人民共和国个人所得税法"
    assert table.law_named("《劳动合同法》") == "中华人民共和国劳动合同法"
    assert table.law_named("劳动法") == "中华人民共和国劳动法"  # its own law, not 劳动合同法
    assert table.law_named("民法典") is None and table.law_named("火星法") is None


def test_refusal_names_only_laws_the_index_does_not_hold() -> None:
    question = "个税法和劳动合同法对工资怎么规定？"
    assert not_indexed_mentions(question) == ["个税法", "劳动合同法"]
    assert not_indexed_mentions(question, ProvisionResolver([TAX])) == ["劳动合同法"]
    assert not_indexed_mentions(question, ProvisionResolver([])) == ["个税法", "劳动合同法"]


def test_fuzzy_names_stay_exact_over_a_thousand_names() -> None:
    laws = [
        f"中华人民共和国{a}{b}法"
        for a in "甲乙丙丁戊己庚辛壬癸"
        for b in ("管理", "促进", "保护", "监督", "安全")
    ]
    laws += [f"中华人民共和国第{i}号试验法" for i in range(900)] + [
        "中华人民共和国劳动合同法",
        "中华人民共和国劳动法",
    ]
    fuzzy = FuzzyNames((name, law[7:]) for law in laws for name in natural_names(law, law[7:]))
    assert [d for d, _ in fuzzy.find("按劳动合同法第十条")] == ["劳动合同法"]
    assert [d for d, _ in fuzzy.find("甲保护法里怎么说")] == ["甲保护法"]
    assert fuzzy.find("这样做违法吗") == []
    # a passage with several 法 that end no name; the time per passage is a figure of
    # bench/names_bench.py, not a test
    assert (
        fuzzy.find("催收员依照本法和有关法律法规的规定，不得违法收集个人信息，否则依法承担法律责任。") == []
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    from regkb.engine import Engine
    from regkb.settings import Settings

    root = tmp_path_factory.mktemp("book") / "corpus"
    laws = {
        "statutes/tax.md": ("中华人民共和国个人所得税法", 3),
        "statutes/labour.md": ("中华人民共和国劳动合同法", 4),
    }
    for rel, (title, n) in laws.items():
        write_law(root, rel, title, n)
    write_manifest(
        root, [entry(rel, title, n) | {"short_title": title[7:]} for rel, (title, n) in laws.items()]
    )
    index = root.parent / "index"
    ingest([root], index)
    return Engine(Settings(index_dir=index, dense=["hash"], memory=False))


def test_the_engine_resolves_usual_short_names_of_indexed_laws(engine) -> None:
    (ref,) = engine.plan("个税法第二条怎么规定").refs
    assert (ref.document, ref.article) == ("个人所得税法", "第二条")
    assert [p.article for p in engine.lookup("个税法第二条")] == ["第二条"]
    assert engine.plan("劳动合同法对加班怎么规定").documents == ("劳动合同法",)


def test_a_question_on_an_indexed_labour_law_is_not_refused_as_not_held(engine) -> None:
    answer = engine.ask("劳动合同法第三条是什么内容？")
    assert not answer.refused and "《劳动合同法》第三条" in answer.text
    assert "未收录" not in engine.ask("劳动合同法关于第三项事务怎么规定").text
    refused = engine.ask("公司法对股东出资怎么规定？")
    assert refused.refused and "公司法" in refused.text


def test_lookups_resolve_across_the_whole_book_when_it_is_indexed() -> None:
    path = Path(__file__).resolve().parents[2] / "corpus" / "sources.toml"
    from ingest.sources.statutes import load_statutes

    docs = load_statutes(path, include="all")
    table = load_aliases()
    own = {n: d.meta.short_title for d in docs for n in natural_names(d.meta.title, d.meta.short_title)}
    unresolved = [
        n for n in table.not_indexed if table.law_named(n) in own and own[table.law_named(n)] is None
    ]
    assert not unresolved
    for short in ("劳动合同法", "个人所得税法", "保险法", "律师法", "公司法", "刑事诉讼法"):
        assert own[short] == short
    held = {n for n in table.not_indexed if (law := table.law_named(n)) is not None and law in own}
    assert {"个税法", "劳动合同法", "刑诉法", "保险法"} <= held
