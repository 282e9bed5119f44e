"""Metadata: manifest.json validation, front matter, and the fallbacks derived from the text."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ingest.loaders import load_file
from ingest.metadata import INFERRED_NOTE, derive_short_title, infer_level, read_manifest, resolve_meta
from regkb.errors import MetadataError
from regkb.types import DocMeta

SHARED = Path(os.environ.get("REGKB_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared"))

PIPL: dict[str, Any] = {
    "path": "laws/pipl.md",
    "title": "中华人民共和国个人信息保护法",
    "short_title": "个人信息保护法",
    "level": "法律",
    "issuer": "全国人民代表大会常务委员会",
    "doc_number": "中华人民共和国主席令第九十一号",
    "promulgated": "2021-08-20",
    "effective": "2021-11-01",
    "version_note": "原始文本",
    "status": "现行有效",
    "source": "test",
    "articles": 74,
}
POLICY: dict[str, Any] = {"path": "internal/policy.md", "title": "催收作业规范", "level": "内部制度"}


def _write_manifest(root: Path, entries: Any) -> Path:
    path = root / "manifest.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def test_valid_manifest(tmp_path: Path) -> None:
    _write_manifest(tmp_path, [PIPL, {**POLICY, "expires": "2030-01-01", "status": "尚未生效"}])

    metas = read_manifest(tmp_path)

    assert set(metas) == {"laws/pipl.md", "internal/policy.md"}
    assert metas["laws/pipl.md"] == DocMeta(
        title="中华人民共和国个人信息保护法",
        short_title="个人信息保护法",
        level="法律",
        issuer="全国人民代表大会常务委员会",
        doc_number="中华人民共和国主席令第九十一号",
        promulgated="2021-08-20",
        effective="2021-11-01",
        status="现行有效",
        source="test",
        version_note="原始文本",
        articles=74,
    )
    policy = metas["internal/policy.md"]
    assert (policy.short_title, policy.expires, policy.status) == ("催收作业规范", "2030-01-01", "尚未生效")


def test_missing_manifest_is_empty(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == {}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"effective": "2021-13-01"}, "effective", "2021-13-01"),
        ({"promulgated": "2021/08/20"}, "promulgated", "YYYY-MM-DD"),
        ({"level": "国家标准"}, "level", "国家标准"),
        ({"status": "有效"}, "status", "已废止"),
        ({"articles": -1}, "articles", "0 or more"),
        ({"expires": "2020-01-01"}, "expires", "not after effective"),
        ({"efective": "2021-11-01"}, "efective", "unknown field"),
        ({"path": "../outside.md"}, "path", "relative path"),
        ({"title": "  "}, "title", "empty"),
    ],
)
def test_invalid_entry_names_manifest_entry_and_field(
    tmp_path: Path, change: dict[str, Any], field: str, words: str
) -> None:
    manifest = _write_manifest(tmp_path, [POLICY, {**PIPL, **change}])

    with pytest.raises(MetadataError) as err:
        read_manifest(tmp_path)

    assert err.value.path == str(manifest)
    assert err.value.field == field
    message = str(err.value)
    assert f"metadata field '{field}'" in message
    assert "entry #2" in message
    assert words in message


def test_missing_title_names_entry_path_and_field(tmp_path: Path) -> None:
    entry = {key: value for key, value in PIPL.items() if key != "title"}
    manifest = _write_manifest(tmp_path, [entry])

    with pytest.raises(MetadataError) as err:
        read_manifest(tmp_path)

    assert err.value.field == "title"
    assert str(err.value).startswith(f"{manifest}: metadata field 'title': entry #1 (laws/pipl.md)")
    assert "required" in err.value.reason


@pytest.mark.parametrize(
    ("content", "field"),
    [("{not json", "(json)"), ('{"path": "a.md"}', "(root)"), ('["a.md"]', "(entry)")],
)
def test_malformed_manifest(tmp_path: Path, content: str, field: str) -> None:
    (tmp_path / "manifest.json").write_text(content, encoding="utf-8")

    with pytest.raises(MetadataError) as err:
        read_manifest(tmp_path)
    assert err.value.field == field
    assert "manifest.json" in str(err.value)


def test_duplicate_path(tmp_path: Path) -> None:
    _write_manifest(tmp_path, [PIPL, {**POLICY, "path": "laws/pipl.md"}])

    with pytest.raises(MetadataError, match="listed twice") as err:
        read_manifest(tmp_path)
    assert err.value.field == "path"


# -- resolve_meta -------------------------------------------------------------------------------


def test_manifest_entry_wins_over_front_matter(tmp_path: Path) -> None:
    _write_manifest(tmp_path, [PIPL])
    manifest = read_manifest(tmp_path)

    meta = resolve_meta(
        "laws/pipl.md", manifest, {"title": "别的标题"}, "# 别的标题", tmp_path / "laws/pipl.md"
    )

    assert meta is manifest["laws/pipl.md"]


def test_front_matter_is_validated_and_used(tmp_path: Path) -> None:
    front = {
        "title": "中华人民共和国测试法",
        "level": "法律",
        "effective": datetime.date(2024, 1, 1),
        "tags": ["x"],
    }

    meta = resolve_meta("a.md", {}, front, "# 标题", tmp_path / "a.md")

    assert meta == DocMeta(
        title="中华人民共和国测试法", short_title="测试法", level="法律", effective="2024-01-01"
    )


def test_front_matter_without_title_takes_the_heading(tmp_path: Path) -> None:
    meta = resolve_meta("a.md", {}, {"level": "内部制度"}, "# 催收管理办法\n\n第一条 甲。", tmp_path / "a.md")

    assert (meta.title, meta.short_title, meta.level) == ("催收管理办法", "催收管理办法", "内部制度")


@pytest.mark.parametrize(
    ("front", "field"), [({"effective": "2021-02-30"}, "effective"), ({"level": "法规"}, "level")]
)
def test_invalid_front_matter_names_the_file_and_field(
    tmp_path: Path, front: dict[str, Any], field: str
) -> None:
    source = tmp_path / "docs" / "policy.md"

    with pytest.raises(MetadataError) as err:
        resolve_meta("docs/policy.md", {}, front, "# 标题", source)

    assert err.value.path == str(source)
    assert err.value.field == field
    assert str(err.value).startswith(f"{source}: metadata field '{field}': front matter")


def test_front_matter_loaded_from_markdown_resolves(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text(
        "---\ntitle: 催收作业规范\nlevel: 内部制度\neffective: 2024-03-01\n---\n# 规范\n正文。\n", "utf-8"
    )
    loaded = load_file(path)

    meta = resolve_meta("policy.md", {}, loaded.front_matter, loaded.text, path)

    assert (meta.title, meta.level, meta.effective) == ("催收作业规范", "内部制度", "2024-03-01")


@pytest.mark.parametrize(
    ("text", "title", "short_title", "level"),
    [
        ("# 中华人民共和国测试法\n\n第一条 甲。", "中华人民共和国测试法", "测试法", "法律"),
        (
            "前言\n\n## 最高人民法院关于审理案件的规定 ##\n",
            "最高人民法院关于审理案件的规定",
            "最高人民法院关于审理案件的规定",
            "司法解释",
        ),
        ("关于加强催收管理的通知\n各分行：", "关于加强催收管理的通知", "关于加强催收管理的通知", "未分类"),
        ("第一条 没有标题的制度。\n第二条 乙。", "催收-规则", "催收-规则", "未分类"),
        ("（2021年通过）\n正文。", "催收-规则", "催收-规则", "未分类"),
    ],
)
def test_derived_metadata(tmp_path: Path, text: str, title: str, short_title: str, level: str) -> None:
    meta = resolve_meta("催收-规则.txt", {}, {}, text, tmp_path / "催收-规则.txt")

    note = "" if level == "未分类" else INFERRED_NOTE
    assert meta == DocMeta(title=title, short_title=short_title, level=level, version_note=note)


@pytest.mark.parametrize(
    ("title", "text", "level", "issuer"),
    [
        ("金禾消费金融股份有限公司贷后催收作业管理规定", "", "内部制度", "金禾消费金融股份有限公司"),
        ("某某银行股份有限公司信用卡催收管理办法", "", "内部制度", "某某银行股份有限公司"),
        ("某某银行信用卡催收管理办法", "第一条 本行信用卡中心……", "未分类", ""),  # 本行 is also 本行政区域
        ("商业银行信用卡业务监督管理办法", "……负责本行政区域内……", "未分类", ""),
        ("消费金融公司管理办法", "", "未分类", ""),  # a kind of company, not a company's name
        ("上市公司信息披露管理办法", "", "未分类", ""),
        ("中华人民共和国红十字标志使用办法", "", "未分类", ""),  # a 办法 is no 法律
        ("深圳经济特区个人破产条例", "", "未分类", ""),
        ("贷后催收作业管理规定", "第一条 为规范本公司催收……", "内部制度", ""),
        ("中华人民共和国个人信息保护法", "", "法律", ""),
        ("最高人民法院关于审理民间借贷案件适用法律若干问题的规定", "", "司法解释", ""),
        ("征信业管理条例", "", "行政法规", ""),
        ("中国互联网金融协会互联网金融逾期债务催收自律公约（试行）", "", "行业自律", ""),
        ("深圳市个人破产条例", "", "未分类", ""),  # a local regulation is no 行政法规
        ("中国人民银行关于加强征信管理的通知", "", "未分类", ""),  # a regulator, not a company
        ("贷后催收作业管理规定", "第一条 为规范催收……", "未分类", ""),  # no company in sight
    ],
)
def test_level_inferred_from_a_plain_title(title: str, text: str, level: str, issuer: str) -> None:
    assert infer_level(title, text) == (level, issuer)


def test_front_matter_without_a_level_gets_one_from_the_title(tmp_path: Path) -> None:
    text = "# 青禾资产管理有限公司外访作业规定\n\n第一条 甲。"
    meta = resolve_meta("a.md", {}, {"effective": "2026-01-01"}, text, tmp_path / "a.md")
    assert (meta.level, meta.issuer, meta.effective) == ("内部制度", "青禾资产管理有限公司", "2026-01-01")
    kept = resolve_meta("a.md", {}, {"level": "行业自律"}, text, tmp_path / "a.md")
    assert kept.level == "行业自律" and kept.version_note == ""  # a level written down is never overridden


def test_derive_short_title() -> None:
    assert derive_short_title("中华人民共和国民法典") == "民法典"
    assert derive_short_title("中华人民共和国") == "中华人民共和国"
    assert derive_short_title("个人信息保护法") == "个人信息保护法"


# -- the shared corpus ----------------------------------------------------------------------------


def test_shared_corpus_manifest_validates() -> None:
    corpus = SHARED / "corpus"
    if not (corpus / "manifest.json").is_file():
        pytest.skip(f"shared corpus not found at {corpus} (set REGKB_SHARED)")
    raw = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))

    metas = read_manifest(corpus)

    assert sorted(metas) == sorted(entry["path"] for entry in raw)
    for entry in raw:
        meta = metas[entry["path"]]
        assert (meta.title, meta.level, meta.effective, meta.articles) == (
            entry["title"],
            entry["level"],
            entry["effective"],
            entry["articles"],
        )
        loaded = load_file(corpus / entry["path"])
        assert loaded.text.strip()
        assert (
            resolve_meta(entry["path"], metas, loaded.front_matter, loaded.text, corpus / entry["path"])
            == meta
        )
