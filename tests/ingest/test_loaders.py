"""Loaders: every fixture is generated here, in tmp_path."""

from __future__ import annotations

import codecs
import datetime
import random
from pathlib import Path

import docx
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.loaders import SUPPORTED_SUFFIXES, LoadedText, load_file, normalise_text
from ingest.loaders.pdf import (
    display_width,
    full_line_width,
    is_page_number,
    join_pages,
    should_join,
    strip_running_lines,
)
from regkb.errors import LoadError

FONT = "STSong-Light"
HEADER = "中国人民银行文件 银发〔2021〕1号"
# A law over three pages, its lines wrapped at the right margin: a title and document number (short
# lines, kept apart), a sentence broken inside page 1, English words broken across lines, an article
# continued from page 2 onto page 3, and a cross-reference (第三条的规定) wrapped to a line start.
PAGES = (
    (
        "示例催收管理办法",
        "示例发〔2021〕1号",
        "第一条 为了规范债务催收行为，保护债务人及其近亲属的合法权益，根据有关",
        "法律、行政法规，制定本办法。",
        "第二条 本办法所称催收，是指债权人或者受托机构向债务人追讨债务，即 debt",
        "collection practice。",
    ),
    (
        "第三条 催收机构不得以暴力、威胁等方法催收债务。",
        "第四条 催收人员应当遵守国家有关规定，不得在晚间催收，尊重债务人，遵守",
    ),
    (
        "法律法规，尊重债务人的人格尊严。",
        "第五条 违反本办法的，由催收机构责令改正并通报；情节严重的，依照本办法",
        "第三条的规定处理。",
        "第六条 本办法自2021年1月1日起施行。",
    ),
)
EXPECTED_TEXT = (
    "示例催收管理办法\n"
    "示例发〔2021〕1号\n"
    "第一条 为了规范债务催收行为，保护债务人及其近亲属的合法权益，根据有关法律、行政法规，制定本办法。\n"
    "第二条 本办法所称催收，是指债权人或者受托机构向债务人追讨债务，即 debt collection practice。\n"
    "第三条 催收机构不得以暴力、威胁等方法催收债务。\n"
    "第四条 催收人员应当遵守国家有关规定，不得在晚间催收，尊重债务人，遵守法律法规，尊重债务人的人格尊严。\n"
    "第五条 违反本办法的，由催收机构责令改正并通报；情节严重的，依照本办法第三条的规定处理。\n"
    "第六条 本办法自2021年1月1日起施行。"
)


def _make_pdf(
    path: Path, pages: tuple[tuple[str, ...], ...], footer: str = "- {n} -", **kwargs: object
) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(path), invariant=1, **kwargs)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(FONT, 9)
        pdf.drawString(72, 800, HEADER)
        pdf.setFont(FONT, 12)
        for row, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * row, line)
        pdf.setFont(FONT, 9)
        pdf.drawString(280, 40, footer.format(n=number, total=len(pages)))
        pdf.showPage()
    pdf.save()
    return path


@pytest.mark.parametrize("footer", ["- {n} -", "第{n}页", "第 {n} 页 共 {total} 页", "{n}/{total}", "{n}"])
def test_pdf_drops_header_and_page_numbers_and_joins_wrapped_lines(tmp_path: Path, footer: str) -> None:
    loaded = load_file(_make_pdf(tmp_path / "law.pdf", PAGES, footer))

    assert loaded.text == EXPECTED_TEXT
    assert HEADER not in loaded.text
    assert loaded.page_starts == (
        0,
        EXPECTED_TEXT.index("第三条 催收"),
        EXPECTED_TEXT.index("法律法规，尊重"),
    )
    assert loaded.front_matter == {}


def test_pdf_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert load_file(_make_pdf(tmp_path / "LAW.PDF", PAGES)).text == EXPECTED_TEXT


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.rect(72, 72, 300, 500, fill=1)  # stands in for a scanned image
    pdf.showPage()
    pdf.save()

    with pytest.raises(LoadError, match=r"no text layer \(scanned\?\); OCR is not supported") as err:
        load_file(path)
    assert str(path) in str(err.value)


def test_pdf_with_user_password_is_refused_with_advice(tmp_path: Path) -> None:
    encrypt = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    path = _make_pdf(tmp_path / "locked.pdf", PAGES, encrypt=encrypt)

    with pytest.raises(LoadError) as err:
        load_file(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "encrypted" in err.value.reason
    assert "decrypted copy" in err.value.reason


def test_pdf_with_owner_password_only_loads(tmp_path: Path) -> None:
    encrypt = pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0, strength=128)
    path = _make_pdf(tmp_path / "restricted.pdf", PAGES, encrypt=encrypt)

    assert load_file(path).text == EXPECTED_TEXT


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    data = _make_pdf(tmp_path / "full.pdf", PAGES).read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(LoadError, match="corrupt or not a PDF") as err:
        load_file(path)
    assert err.value.path == str(path)


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    path = tmp_path / "random.pdf"
    path.write_bytes(random.Random(7).randbytes(4096))

    with pytest.raises(LoadError, match=r"random\.pdf: corrupt or not a PDF"):
        load_file(path)


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_byte_file_is_empty(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"blank{suffix}"
    path.write_bytes(b"")

    with pytest.raises(LoadError, match=r"empty file") as err:
        load_file(path)
    assert err.value.path == str(path)


@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_file_is_empty(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(" \r\n\t\n\u3000\n".encode())

    with pytest.raises(LoadError, match=r"empty file"):
        load_file(path)


def test_unsupported_suffix_names_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.rtf"
    path.write_text("第一条", encoding="utf-8")

    with pytest.raises(LoadError) as err:
        load_file(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert ".rtf" in message
    assert all(suffix in message for suffix in SUPPORTED_SUFFIXES)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read the file") as err:
        load_file(tmp_path / "absent.md")
    assert "absent.md" in str(err.value)


# -- text and Markdown --------------------------------------------------------------------------


def test_gbk_text_is_decoded(tmp_path: Path) -> None:
    body = "第一条　朱镕基签署的文件。  \r\n第二条 债务人的合法权益受法律保护。\r\n"  # 镕 is GBK-only
    path = tmp_path / "notice.txt"
    path.write_bytes(body.encode("gbk"))

    loaded = load_file(path)
    assert loaded.text == "第一条　朱镕基签署的文件。\n第二条 债务人的合法权益受法律保护。"
    assert loaded.page_starts == ()


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "第一条 内容。\n".encode("utf-16-le"))

    assert load_file(path).text == "第一条 内容。"


def test_binary_junk_named_txt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(32)) * 64)

    with pytest.raises(LoadError, match=r"junk\.txt: cannot decode"):
        load_file(path)


def test_markdown_with_bom_and_front_matter(tmp_path: Path) -> None:
    source = (
        "---\r\ntitle: 催收管理办法\r\nlevel: 内部制度\r\neffective: 2024-01-01\r\n---\r\n"
        "# 催收管理办法  \r\n\r\n## 第一章 总则\r\n\r\n第一条 为了规范催收。\x00  \r\n"
    )
    path = tmp_path / "policy.md"
    path.write_bytes(codecs.BOM_UTF8 + source.encode("utf-8"))

    loaded = load_file(path)
    assert loaded.text == "# 催收管理办法\n\n## 第一章 总则\n\n第一条 为了规范催收。"
    assert dict(loaded.front_matter) == {
        "title": "催收管理办法",
        "level": "内部制度",
        "effective": datetime.date(2024, 1, 1),
    }


def test_markdown_without_front_matter_keeps_a_thematic_break(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("# 标题\n\n正文。\n\n---\n\n附则。\n", encoding="utf-8")

    loaded = load_file(path)
    assert loaded.front_matter == {}
    assert loaded.text == "# 标题\n\n正文。\n\n---\n\n附则。"


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        # bold article labels, as a Word file converted to Markdown writes them
        (
            "**第一条** 为了规范催收。\n\n**第二条** 不得辱骂。\n\n**第三条** 应当录音。",
            ["第一条", "第二条", "第三条"],
        ),
        # bold italic labels
        (
            "***第一条*** 为了规范催收。\n\n***第二条*** 不得辱骂。\n\n***第三条*** 应当录音。",
            ["第一条", "第二条", "第三条"],
        ),
        # each article a heading, its text in the paragraphs below
        (
            "### 第一条 目的\n\n为了规范催收。\n\n### 第二条 用语\n\n不得辱骂。\n\n### 第三条 录音\n\n应当录音。",
            ["第一条", "第二条", "第三条"],
        ),
        # numbered clauses as headings under numbered chapters
        (
            "## 1 总则\n\n### 1.1 目的\n\n为了规范催收。\n\n### 1.2 范围\n\n全体员工。\n\n## 2 用语\n\n### 2.1 禁止\n\n不得辱骂。",
            ["1.1", "1.2", "2.1"],
        ),
    ],
)
def test_markdown_markup_around_clause_labels_leaves_the_clauses(
    tmp_path: Path, body: str, labels: list[str]
) -> None:
    from regkb.structure import parse

    path = tmp_path / "policy.md"
    path.write_text(f"# 某公司催收管理办法\n\n{body}\n", encoding="utf-8")
    text = load_file(path).text
    provisions = [p for p in parse(text) if p.label]
    assert [p.label for p in provisions] == labels
    assert "*" not in text and "###" not in text
    assert provisions[-1].text.rstrip().endswith("。")  # the clause holds its own text, verbatim


def test_markdown_bullets_and_quotes_stay_inside_their_clause(tmp_path: Path) -> None:
    from regkb.structure import parse

    path = tmp_path / "policy.md"
    path.write_text(
        "# 某公司催收管理办法\n\n第一条 为了规范催收。\n\n第二条 处理个人信息应当依照下列规定：\n\n"
        "> 第十条 任何组织、个人不得非法收集他人个人信息。\n\n第三条 应当录音。\n\n"
        "第四条 年度安排如下：\n\n- 1.3前完成年度对账；\n- 5.1至5.5暂停外呼。\n\n第五条 本办法自发布之日起施行。\n",
        encoding="utf-8",
    )
    provisions = [p for p in parse(load_file(path).text) if p.label]
    assert [p.label for p in provisions] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert "> 第十条" in provisions[1].text and "- 1.3前" in provisions[3].text


def test_markdown_keeps_chapter_headings_and_drops_bold_inside_sentences(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    text = "# 办法\n\n## 第一章 总则\n\n第一条 催收人员**严禁**暴力催收。\n\n第二条 确认书写明日期____年__月__日。\n"
    path.write_text(text, encoding="utf-8")

    assert load_file(path).text == (
        "# 办法\n\n## 第一章 总则\n\n第一条 催收人员严禁暴力催收。\n\n第二条 确认书写明日期____年__月__日。"
    )  # bold markers go; blanks to fill in stay as written


def test_markdown_with_broken_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\n---\n正文。\n", encoding="utf-8")

    with pytest.raises(LoadError, match=r"broken\.md: invalid YAML front matter"):
        load_file(path)


def test_normalise_text() -> None:
    assert normalise_text("\ufeffa \r\nb\t\rc\x00\u3000\n\n") == "a\nb\nc"


# -- DOCX -----------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_body_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("第一条 为了规范催收行为，制定本办法。")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    for row, values in enumerate(
        [("行为", "后果", "依据"), ("暴力催收", "刑事责任", "刑法"), ("合并", "", "")]
    ):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    table.cell(2, 0).merge(table.cell(2, 1))  # one merged cell spanning two columns
    document.add_paragraph("第二条 本办法自公布之日起施行。")
    path = tmp_path / "policy.docx"
    document.save(str(path))

    loaded = load_file(path)
    assert loaded.text.split("\n") == [
        "第一章 总则",
        "第一条 为了规范催收行为，制定本办法。",
        "行为 | 后果 | 依据",
        "暴力催收 | 刑事责任 | 刑法",
        "合并",
        "第二条 本办法自公布之日起施行。",
    ]


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(random.Random(3).randbytes(2048))

    with pytest.raises(LoadError, match=r"broken\.docx: corrupt or not a DOCX file"):
        load_file(path)


def test_legacy_doc_named_docx(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))

    with pytest.raises(LoadError, match=r"old\.docx: .*legacy Word \.doc"):
        load_file(path)


# -- HTML -----------------------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>站点标题</title><style>p { color: red }</style></head>
<body>
<header><a href="/">首页</a></header>
<nav><ul><li>导航一</li><li>导航二</li></ul></nav>
<script>var tracker = "第九十九条";</script>
<div class="content">
  <h1>朱镕基签署的通知</h1>
  <p>第一条　为了规范催收行为，
     保护债务人的合法权益，制定本办法。</p>
  <p>第二条 see <b>English</b>
     text here.<br>第三条 换行之后。</p>
  <table><tr><th>行为</th><th>后果</th></tr><tr><td>暴力</td><td>刑事<!-- 注释 -->责任</td></tr></table>
</div>
<aside>相关链接</aside><form><input name="q">搜索</form><noscript>请启用脚本</noscript>
<footer>版权所有 第 1 页</footer>
</body></html>"""


def test_html_keeps_body_text_only(tmp_path: Path) -> None:
    path = tmp_path / "notice.HTM"
    path.write_bytes(HTML_PAGE.encode("gb18030"))

    loaded = load_file(path)
    assert loaded.text.split("\n") == [
        "朱镕基签署的通知",
        "第一条　为了规范催收行为，保护债务人的合法权益，制定本办法。",
        "第二条 see English text here.",
        "第三条 换行之后。",
        "行为 | 后果",
        "暴力 | 刑事责任",
    ]


def test_html_declared_utf8(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(
        '<html><head><meta charset="utf-8"></head><body><p>第一条 内容。</p></body></html>'.encode()
    )

    assert load_file(path) == LoadedText(text="第一条 内容。")


def test_html_with_only_navigation_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text("<html><body><nav>首页</nav><script>x()</script></body></html>", encoding="utf-8")

    with pytest.raises(LoadError, match=r"nav\.html: empty file"):
        load_file(path)


# -- PDF cleaning, as pure functions --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["3", "- 3 -", "— 12 —", "第3页", "第 3 页 共 10 页", "共10页 第3页", "3/10", "3 / 10", "Page 3 of 10"],
)
def test_page_number_lines(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["第三条", "2021年1月1日", "第一章 总则", "（三）", "3.5%", "共3项"])
def test_not_page_number_lines(line: str) -> None:
    assert not is_page_number(line)


@pytest.mark.parametrize(
    ("previous", "line", "joined"),
    [
        ("根据有关", "法律法规，制定本办法。", True),
        ("制定本办法。", "第二条 内容", False),
        ("应当遵守下列规定：", "（一）不得暴力催收；", False),
        ("包括", "（一）不得暴力催收；", False),
        ("包括", "一、总体要求", False),
        ("依照本法", "第十条的规定处罚。", True),
        ("依照本法", "第十条之一 新增条款。", False),
        ("第一章 总则", "为了规范，制定本法。", False),
        ("中华人民共和国个人信息保护法", "（2021年8月20日通过）", False),
    ],
)
def test_should_join(previous: str, line: str, joined: bool) -> None:
    assert should_join(previous, line) is joined


def test_short_line_ends_its_paragraph_when_text_wraps() -> None:
    full = display_width("第一条 为了规范债务催收行为，保护债务人及其近亲属的合法权益，根据有关")
    assert not should_join("示例催收管理办法", "示例发〔2021〕1号", full)
    assert should_join(
        "第一条 为了规范债务催收行为，保护债务人及其近亲属的合法权益，根据有关", "法律。", full
    )
    assert full_line_width([["短"] * 3]) is None  # too few lines to tell where the margin is


def test_running_lines_are_only_stripped_at_page_edges() -> None:
    pages = [
        ["某某银行内部制度", "第一条 甲。", "某某银行内部制度", "第二条 乙。", "- 1 -"],
        ["某某银行内部制度", "第三条 丙。", "第四条 丁。", "第五条 戊。", "第六条 己。", "2"],
        ["某某银行内部制度", "第七条 庚。", "3"],
    ]
    cleaned = strip_running_lines(pages)
    assert cleaned == [
        ["第一条 甲。", "某某银行内部制度", "第二条 乙。"],
        ["第三条 丙。", "第四条 丁。", "第五条 戊。", "第六条 己。"],
        ["第七条 庚。"],
    ]


def test_join_pages_records_page_starts_for_an_empty_page() -> None:
    text, starts = join_pages([["第一条 甲。"], [], ["第二条 乙。"]])
    assert text == "第一条 甲。\n第二条 乙。"
    assert starts == (0, len("第一条 甲。"), len("第一条 甲。\n"))
