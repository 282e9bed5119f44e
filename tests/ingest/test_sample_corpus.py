"""The shipped sample corpus (fictional internal rules of 示例消费金融有限公司) is consistent.

Checks the manifest against the files, the article numbering, every statute reference against the
shared legal corpus, and that scripts/build_sample_docs.py reproduces the committed DOCX/PDF.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from regkb.numerals import NUMERAL_CLASS, cn_to_int, int_to_cn

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
MIN_TOTAL_ARTICLES = 120

ARTICLE_LINE = re.compile(rf"^第({NUMERAL_CLASS}+)条[ 　]", re.MULTILINE)
LABEL = rf"第{NUMERAL_CLASS}+条(?:之{NUMERAL_CLASS}+)?"
# 《title》第X条, optionally followed by 、第Y条 / 和第Z条 naming further articles of the same title.
REFERENCE = re.compile(rf"《([^《》]+)》((?:{LABEL})(?:[、和及]{LABEL})*)")


def load_manifest() -> list[dict]:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


MANIFEST = load_manifest()


def source_text(entry: dict) -> str:
    """The Markdown text of an entry: the file itself, or its corpus/_src source for DOCX/PDF."""
    path = CORPUS / entry["path"]
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    return (CORPUS / "_src" / f"{path.stem}.md").read_text(encoding="utf-8")


def article_numbers(text: str) -> list[int]:
    return [cn_to_int(m.group(1)) for m in ARTICLE_LINE.finditer(text)]


def references(text: str) -> list[tuple[str, str]]:
    """Every (title, article label) named as 《title》第X条 in text."""
    return [(m.group(1), label) for m in REFERENCE.finditer(text) for label in re.findall(LABEL, m.group(2))]


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_sample_docs", REPO / "scripts" / "build_sample_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def extract_text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["path"] for e in MANIFEST])
def test_manifest_entry_matches_its_file(entry: dict) -> None:
    assert (CORPUS / entry["path"]).is_file(), f"missing {entry['path']}"
    text = source_text(entry)
    assert text.splitlines()[0] == f"# {entry['title']}"
    assert entry["doc_number"] in text
    numbers = article_numbers(text)
    assert len(set(numbers)) == len(numbers) == entry["articles"]
    assert numbers == list(range(1, entry["articles"] + 1)), "articles must run 第一条..第N条 without gaps"


def test_manifest_schema_matches_the_shared_one() -> None:
    keys = {
        *("path", "title", "short_title", "level", "issuer", "doc_number"),
        *("promulgated", "effective", "version_note", "status", "source", "articles"),
    }
    for entry in MANIFEST:
        # the shared schema, and `sample`: these are a fictional company's, set aside beside a real one's
        assert set(entry) == keys | {"sample"} and entry["sample"] is True, entry["path"]
        assert (
            re.fullmatch(r"2025-\d\d-\d\d", entry["promulgated"])
            and entry["promulgated"] <= entry["effective"]
        )
        assert entry["status"] == "现行有效"
        assert entry["source"] == "regkb team (fictional sample)"
    suffixes = {Path(e["path"]).suffix for e in MANIFEST}
    assert {".md", ".docx", ".pdf"} <= suffixes, "ship at least one Markdown, one DOCX and one PDF"


def test_total_articles() -> None:
    assert sum(len(article_numbers(source_text(e))) for e in MANIFEST) >= MIN_TOTAL_ARTICLES


def test_titles_and_issuer_mark_the_documents_as_samples() -> None:
    for entry in MANIFEST:
        assert "示例" in entry["title"] and entry["title"].startswith(entry["issuer"])
        assert entry["short_title"].startswith("示例")
        assert entry["issuer"] == "示例消费金融有限公司"
        assert entry["level"] == "内部制度"


def test_reference_parser_reads_chained_articles() -> None:
    text = "依照《中华人民共和国民法典》第六百七十五条、第六百七十六条和《中华人民共和国刑法》第二百九十三条之一处理"
    assert references(text) == [
        ("中华人民共和国民法典", "第六百七十五条"),
        ("中华人民共和国民法典", "第六百七十六条"),
        ("中华人民共和国刑法", "第二百九十三条之一"),
    ]


def test_every_statute_reference_names_a_real_article() -> None:
    shared_manifest = SHARED_CORPUS / "manifest.json"
    if not shared_manifest.is_file():
        pytest.skip(f"shared legal corpus not found at {SHARED_CORPUS} (set REGKB_SHARED)")
    by_title = {d["title"]: d for d in json.loads(shared_manifest.read_text(encoding="utf-8"))}
    refs = [(e["path"], *ref) for e in MANIFEST for ref in references(source_text(e))]
    assert len(refs) >= 30, "the samples are expected to cite their legal basis"
    bodies: dict[str, str] = {}
    problems = []
    for path, title, label in refs:
        if title.startswith("示例"):
            problems.append(f"{path}: cross-reference {title}{label} should not carry an article number")
            continue
        if title not in by_title:
            problems.append(f"{path}: 《{title}》 is not a document of the shared corpus")
            continue
        doc_path = by_title[title]["path"]
        body = bodies.setdefault(doc_path, (SHARED_CORPUS / doc_path).read_text(encoding="utf-8"))
        if not re.search(rf"^{label}[ 　]", body, re.MULTILINE):
            problems.append(f"{path}: 《{title}》{label} does not exist in {doc_path}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("built")
    return {p.name: p for p in load_build_script().build_all(out)}


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if not e["path"].endswith(".md")], ids=lambda e: e["path"]
)
def test_build_script_reproduces_committed_binary(entry: dict, rebuilt: dict[str, Path]) -> None:
    committed = CORPUS / entry["path"]
    fresh = rebuilt[committed.name]
    committed_text = extract_text(committed)
    assert extract_text(fresh) == committed_text, (
        f"rerun scripts/build_sample_docs.py and commit {entry['path']}"
    )
    for number in range(1, entry["articles"] + 1):
        assert f"第{int_to_cn(number)}条" in committed_text


def test_pdf_text_layer_wraps_long_paragraphs() -> None:
    entry = next(e for e in MANIFEST if e["path"].endswith(".pdf"))
    source_lines = [line for line in source_text(entry).splitlines() if line.strip()]
    pdf_lines = [line for line in extract_text(CORPUS / entry["path"]).splitlines() if line.strip()]
    longest = max(len(line) for line in pdf_lines)
    assert len(pdf_lines) > len(source_lines) * 1.5 and longest < 60
