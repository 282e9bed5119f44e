"""A policy numbered by Word itself (第一条 drawn from numbering.xml, not typed) keeps its numbers.

The documents are built here with python-docx and real w:numbering definitions, the way Word
saves a 「第%1条」 list: the paragraph text holds only the clause body.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import parse_xml

from ingest.loaders.docx import load_docx
from ingest.loaders.numbering import ListNumbers
from regkb.structure import parse

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _abstract(abstract_id: int, *levels: tuple[str, str, int], extra: str = "", level_extra: str = "") -> str:
    """An abstractNum; ``level_extra`` is put into every level (w:lvlRestart, w:isLgl), ``extra``
    into the definition (w:styleLink, w:numStyleLink)."""
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/>{level_extra if i else ""}</w:lvl>'
        for i, (fmt, text, start) in enumerate(levels)
    )
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{extra}{lvls}</w:abstractNum>'


def _num(num_id: int, abstract_id: int, start_override: int | None = None) -> str:
    override = (
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start_override}"/></w:lvlOverride>'
        if start_override
        else ""
    )
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{override}</w:num>'


def _numbering(*parts: str):
    return parse_xml(f"<w:numbering {NS}>{''.join(parts)}</w:numbering>")


def _numbered(paragraph, num_id: int, ilvl: int = 0) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _policy(path: Path) -> Path:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for old in [*numbering.findall("{*}abstractNum"), *numbering.findall("{*}num")]:
        numbering.remove(old)  # only the lists this test defines
    defined = _numbering(
        _abstract(90, ("chineseCounting", "第%1章", 1)),
        _abstract(91, ("chineseCounting", "第%1条", 1), ("chineseCounting", "（%2）", 1)),
        _abstract(92, ("bullet", "•", 1)),
        *(_num(num_id, abstract_id) for num_id, abstract_id in ((1, 90), (2, 91), (3, 92))),
    )
    for element in list(defined):
        numbering.append(element)
    document.add_paragraph("示例公司催收作业细则")
    lines = [
        (1, 0, "总则"),
        (2, 0, "为规范催收作业，制定本细则。"),
        (2, 0, "催收人员不得有下列行为："),
        (2, 1, "使用暴力或者以暴力相威胁；"),
        (2, 1, "向无关第三人透露债务信息。"),
        (3, 0, "这是一个项目符号，不是条。"),
        (1, 0, "附则"),
        (2, 0, "本细则自发布之日起施行。"),
    ]
    for num_id, ilvl, text in lines:
        _numbered(document.add_paragraph(text), num_id, ilvl)
    plain = document.add_paragraph("没有编号的说明段落。")
    _numbered(plain, 0)
    document.save(path)
    return path


def test_word_numbers_come_back_in_front_of_their_paragraphs(tmp_path: Path) -> None:
    text = load_docx(_policy(tmp_path / "policy.docx")).text
    assert text.splitlines() == [
        "示例公司催收作业细则",
        "第一章 总则",
        "第一条 为规范催收作业，制定本细则。",
        "第二条 催收人员不得有下列行为：",
        "（一） 使用暴力或者以暴力相威胁；",
        "（二） 向无关第三人透露债务信息。",
        "这是一个项目符号，不是条。",
        "第二章 附则",
        "第三条 本细则自发布之日起施行。",
        "没有编号的说明段落。",
    ]


def test_a_word_numbered_policy_parses_into_its_articles(tmp_path: Path) -> None:
    provisions = parse(load_docx(_policy(tmp_path / "policy.docx")).text)
    articles = [p for p in provisions if p.label.startswith("第")]
    assert [p.label for p in articles] == ["第一条", "第二条", "第三条"]
    assert articles[1].heading_path == ("第一章 总则",)
    assert "（二） 向无关第三人透露债务信息。" in articles[1].text
    assert articles[2].heading_path == ("第二章 附则",)


def test_levels_restart_below_the_one_that_counts_and_a_start_override_holds() -> None:
    root = _numbering(
        _abstract(1, ("decimal", "%1.", 1), ("decimal", "%1.%2", 1)), _num(7, 1), _num(8, 1, start_override=5)
    )
    numbers = ListNumbers(root)
    shown = [numbers.label("7", level) for level in (0, 1, 1, 0, 1)]
    assert shown == ["1.", "1.1", "1.2", "2.", "2.1"]
    assert numbers.label("8", 0) == "5."  # another instance counts on its own, from its override
    assert numbers.label("99", 0) == ""  # an undefined list draws nothing


def test_articles_numbered_on_across_chapters_keep_counting() -> None:
    """One list: 第%1章 at level 0, 第%2条 at level 1 that never restarts (w:lvlRestart 0), the
    way a policy numbers its articles through all its chapters."""
    numbers = ListNumbers(
        _numbering(
            _abstract(
                1,
                ("chineseCounting", "第%1章", 1),
                ("chineseCounting", "第%2条", 1),
                level_extra='<w:lvlRestart w:val="0"/>',
            ),
            _num(1, 1),
        )
    )
    shown = [numbers.label("1", level) for level in (0, 1, 1, 0, 1)]
    assert shown == ["第一章", "第一条", "第二条", "第二章", "第三条"]


def test_legal_numbering_writes_arabic_figures_and_instances_share_a_definition() -> None:
    numbers = ListNumbers(
        _numbering(
            _abstract(1, ("chineseCounting", "%1、", 1), ("decimal", "%1.%2", 1), level_extra="<w:isLgl/>"),
            _num(1, 1),
            _num(2, 1),  # a second instance of the same definition, no restart: it counts on
            _abstract(2, ("chineseLegalSimplified", "第%1项", 1)),
            _num(3, 2),
        )
    )
    assert [numbers.label("1", 0), numbers.label("1", 1), numbers.label("2", 1)] == ["一、", "1.1", "1.2"]
    assert numbers.label("3", 0) == "第壹项"


def test_a_definition_linked_to_a_numbering_style_takes_its_levels() -> None:
    numbers = ListNumbers(
        _numbering(
            _abstract(1, ("chineseCounting", "第%1条", 1), extra='<w:styleLink w:val="ArticleList"/>'),
            _abstract(2, extra='<w:numStyleLink w:val="ArticleList"/>'),
            _num(1, 1),
            _num(2, 2),
        )
    )
    assert [numbers.label("2", 0), numbers.label("2", 0)] == ["第一条", "第二条"]
    assert numbers.label("1", 0) == "第三条"  # the style's own list counts on with the linked one


def test_a_policy_whose_word_list_numbers_articles_through_chapters_parses_them_all(tmp_path: Path) -> None:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    for old in [*numbering.findall("{*}abstractNum"), *numbering.findall("{*}num")]:
        numbering.remove(old)
    defined = _numbering(
        _abstract(
            1,
            ("chineseCounting", "第%1章", 1),
            ("chineseCounting", "第%2条", 1),
            level_extra='<w:lvlRestart w:val="0"/>',
        ),
        _num(1, 1),
    )
    for element in list(defined):
        numbering.append(element)
    for ilvl, text in (
        (0, "总则"),
        (1, "为规范催收，制定本办法。"),
        (0, "催收行为"),
        (1, "不得辱骂债务人。"),
    ):
        _numbered(document.add_paragraph(text), 1, ilvl)
    document.save(tmp_path / "chapters.docx")
    provisions = parse(load_docx(tmp_path / "chapters.docx").text)
    assert [(p.label, p.heading_path) for p in provisions] == [
        ("第一条", ("第一章 总则",)),
        ("第二条", ("第二章 催收行为",)),
    ]


def test_styles_based_on_each_other_in_a_loop_are_read_once(tmp_path: Path) -> None:
    """A damaged file whose paragraph styles are based on each other in a circle still loads."""
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    first = document.styles.add_style("条款甲", WD_STYLE_TYPE.PARAGRAPH)
    second = document.styles.add_style("条款乙", WD_STYLE_TYPE.PARAGRAPH)
    first.base_style = second
    second.element.append(parse_xml(f'<w:basedOn {NS} w:val="{first.style_id}"/>'))
    document.add_paragraph("本办法自发布之日起施行。", style=first)
    document.save(tmp_path / "loop.docx")
    assert load_docx(tmp_path / "loop.docx").text == "本办法自发布之日起施行。"
