"""Bad input files: each has a defined outcome (a reason naming the file and the fix), never a
traceback or a half-written index."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, load_file
from ingest.loaders.docx import MAX_RATIO
from regkb.errors import LoadError
from regkb.index import IndexReader
from regkb.uploads import name_problem, save_uploads
from tests.ingest.factory import entry, ingest, small_corpus, write_law, write_manifest

SUFFIXES = frozenset(SUPPORTED_SUFFIXES)


def _zip_bomb(path: Path, unpacked_mb: int) -> None:
    """A DOCX-shaped package whose word/document.xml inflates to unpacked_mb of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"\0" * (unpacked_mb * 2**20))
    path.write_bytes(buffer.getvalue())


def test_a_docx_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    _zip_bomb(path, 30)
    assert path.stat().st_size * MAX_RATIO < 30 * 2**20
    with pytest.raises(LoadError, match=r"bomb.docx: refused: the DOCX would unpack to 30 MB"):
        load_file(path)


def test_a_file_over_the_size_limit_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = write_law(tmp_path, "big.md", "大法", 300)
    with pytest.raises(
        LoadError, match=r"big.md: file is .* MB, over the 0.01 MB limit; .*REGKB_MAX_FILE_MB"
    ):
        load_file(path, max_mb=0.01)


def test_big5_text_is_decoded(tmp_path: Path) -> None:
    text = "第一條 為了規範催收行為，保護債務人的合法權益，制定本辦法。\n第二條 催收人員不得使用暴力。"
    path = tmp_path / "tw.txt"
    path.write_bytes(text.encode("big5"))
    assert load_file(path).text == text


def test_html_full_of_scripts_keeps_only_the_text(tmp_path: Path) -> None:
    scripts = "".join(
        f"<script>var a{i} = '第{i}条 假条文';document.write('x');</script>" for i in range(200)
    )
    page = (
        f"<html><head>{scripts}<style>p {{color: red}}</style></head><body>{scripts}"
        "<p>第一条 催收人员不得骚扰债务人。</p><noscript>请启用脚本</noscript>"
        "<p onclick=\"alert('x')\">第二条 本办法自公布之日起施行。</p></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    text = load_file(path).text
    assert "第一条 催收人员不得骚扰债务人。" in text and "第二条 本办法自公布之日起施行。" in text
    assert "假条文" not in text and "document.write" not in text and "color" not in text


def test_one_bad_file_fails_alone_and_the_rest_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    small_corpus(corpus)
    (corpus / "laws" / "empty.md").write_bytes(b"")
    (corpus / "laws" / "junk.txt").write_bytes(bytes(range(256)) * 40)
    _zip_bomb(corpus / "laws" / "bomb.docx", 30)
    write_law(corpus, "laws/huge.md", "中华人民共和国大法", 1000)
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries.append(entry("laws/huge.md", "中华人民共和国大法", 1000))
    write_manifest(corpus, entries)
    report = ingest([corpus], tmp_path / "idx", max_file_mb=0.06)
    reasons = {f.file.split("/", 1)[1]: f.reason for f in report.files_failed}
    assert set(reasons) == {"laws/empty.md", "laws/junk.txt", "laws/bomb.docx", "laws/huge.md"}
    assert "empty file" in reasons["laws/empty.md"]
    assert "zip bomb" in reasons["laws/bomb.docx"] and "REGKB_MAX_FILE_MB" in reasons["laws/huge.md"]
    assert report.committed and report.documents == 3 and report.passages == 12


def test_a_manifest_with_wrong_types_keeps_the_previous_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    small_corpus(corpus)
    first = ingest([corpus], tmp_path / "idx")
    before = IndexReader.open(tmp_path / "idx")
    ids = set(before.by_id)
    before.close()
    entries = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries[0]["articles"], entries[1]["level"] = "five", "宇宙法"
    write_manifest(corpus, entries)
    report = ingest([corpus], tmp_path / "idx")
    assert len(report.files_failed) == 3
    assert all("manifest.json: metadata field 'articles'" in f.reason for f in report.files_failed)
    assert all(f.kept_previous for f in report.files_failed)
    after = IndexReader.open(tmp_path / "idx")
    assert set(after.by_id) == ids and first.passages == len(ids)
    after.close()
    strict = ingest([corpus], tmp_path / "idx", strict=True)
    assert not strict.committed and IndexReader.current_generation(tmp_path / "idx") == report.generation


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../../etc/cron.d/x.md", "directory"),
        ("/etc/passwd.md", "directory"),
        ("..\\win.md", "directory"),
        ("..", "directory"),
        (".hidden.md", "hidden"),
        ("a\x00b.md", "control"),
        ("payload.exe", "unsupported"),
        ("", "empty"),
        ("名" * 80 + ".md", "too long"),
    ],
)
def test_unsafe_upload_names_are_rejected(name: str, words: str) -> None:
    problem = name_problem(name, SUFFIXES)
    assert problem is not None and words in problem


def test_uploads_are_saved_once_and_nothing_escapes_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "uploads"
    body = "第一条 投诉应当在十五日内答复。".encode()
    outcome = save_uploads(
        target,
        [
            ("规则.md", body),
            ("规则副本.md", body),
            ("../evil.md", body),
            ("empty.md", b""),
            ("big.md", b"x" * 3000),
        ],
        SUFFIXES,
        max_mb=0.001,
    )
    assert outcome.saved == ("规则.md",)
    assert outcome.duplicates == (("规则副本.md", "规则.md"),)
    assert [name for name, _ in outcome.rejected] == ["../evil.md", "empty.md", "big.md"]
    assert "REGKB_MAX_FILE_MB" in outcome.rejected[2][1]
    again = save_uploads(target, [("再传.md", body)], SUFFIXES, max_mb=1)
    assert again.duplicates == (("再传.md", "规则.md"),) and again.saved == ()
    assert sorted(p.name for p in target.iterdir()) == ["规则.md"]
    assert not (tmp_path / "evil.md").exists()
