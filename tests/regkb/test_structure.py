"""The structure parser: golden files, generated documents, and the real corpus."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regkb.numerals import article_label
from regkb.structure import article_count, parse
from tests.conftest import SHARED_CORPUS, shared_manifest

DATA = Path(__file__).resolve().parents[1] / "data" / "structure"
GOLDEN = ["sample_rules.md", "sample_rules.txt", "sample_reply.md", "sample_whole.md"]


def _provisions_json(name: str) -> list[dict]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [{**asdict(p), "heading_path": list(p.heading_path)} for p in parse(text)]


@pytest.mark.parametrize("name", GOLDEN)
def test_golden(name: str) -> None:
    expected = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert _provisions_json(name) == expected


def test_golden_structure_details() -> None:
    provisions = {p["label"]: p for p in _provisions_json("sample_rules.md")}
    assert provisions["第三条之一"]["number"] == 3 and provisions["第三条之一"]["suffix"] == 1
    assert provisions["第三条"]["heading_path"] == ["第一编 总则", "第二章 联系规则", "第一节 联系时间"]
    assert "（二）节假日九时至二十时。" in provisions["第三条"]["text"]
    # a cross-reference at a line start is not a new article
    assert provisions["第四条"]["text"].startswith("第四条 第三条规定的时间")
    assert provisions["第五条"]["heading_path"] == ["第二编 附则", "（一）补充规定"]
    assert provisions[""]["text"] == "2025年1月1日 示例委员会通过"


def test_items_and_whole_documents() -> None:
    assert [p["label"] for p in _provisions_json("sample_reply.md")] == ["", "一", "二"]
    whole = _provisions_json("sample_whole.md")
    assert [p["label"] for p in whole] == ["全文"]
    assert whole[0]["text"].endswith("本说明自发布之日起施行。")


def test_letter_spaced_and_bracketed_article_labels_open_articles() -> None:
    """A policy exported with letter-spaced labels (「第 十 一 条」, 「第 二 章」) or written with bracketed
    ones (「【第一条】」) is read article by article, each labelled as lookups name it (第十一条); a
    bracketed cross-reference inside a sentence opens nothing."""
    spaced = "\n".join(
        ["某公司催收规定", "第 一 章 总 则", "第 一 条 为规范催收，制定本规定。", "第 二 章 外访"]
        + [f"第 {'十 一' if n == 11 else '二'} 条 外访应当两人同行。" for n in (2, 11)]
    )
    got = parse(spaced)
    assert [(p.label, p.number, p.heading_path) for p in got if p.label] == [
        ("第一条", 1, ("第 一 章 总 则",)),
        ("第二条", 2, ("第 二 章 外访",)),
        ("第十一条", 11, ("第 二 章 外访",)),
    ]
    assert got[-1].text == "第 十 一 条 外访应当两人同行。"  # the text stays as written
    bracketed = parse(
        "某公司催收规定\n【第一条】为规范催收。\n【第二条】依照【第一条】执行。\n【第三条】不得辱骂。"
    )
    assert [p.label for p in bracketed] == ["", "第一条", "第二条", "第三条"]
    assert bracketed[2].text == "【第二条】依照【第一条】执行。"


@pytest.mark.parametrize("sep", ["、", "，"])
def test_articles_typed_with_a_comma_after_the_label_open_articles(sep: str) -> None:
    """「第一条、为规范……」 (a label typed with 、 or ， after it) opens an article when a run of such
    labels counts up from 第一条 and no line opens one the usual way; 「第十条、第十一条规定的……」 at a
    line start, in a text of no such run, stays text."""
    text = f"某公司规定\n第一条{sep}为规范外访，制定本规定。\n第二条{sep}外访应当两人同行。\n第三条{sep}自发布之日起施行。"
    provisions = parse(text)
    assert [(p.label, p.number) for p in provisions] == [
        ("", None),
        ("第一条", 1),
        ("第二条", 2),
        ("第三条", 3),
    ]
    assert provisions[2].text == f"第二条{sep}外访应当两人同行。"
    notice = "某公司通知\n第十条、第十一条规定的事项，由合规部负责。\n第二十条、第二十一条另行规定。\n其他事项照旧。"
    assert [p.label for p in parse(notice)] == ["全文"]
    mixed = "某公司规定\n第一条 为规范外访。\n第二条 外访应当两人同行。\n第一条、第二条所称外访，是指上门。"
    assert [p.label for p in parse(mixed)] == ["", "第一条", "第二条"]  # the usual labels rule


def test_a_chapter_title_sharing_its_line_with_the_first_article_opens_both() -> None:
    """「第一章 总则 第一条 为了……」 (a policy typed without line breaks after its titles): the
    chapter is a heading and its first article is an article, not text of the preamble."""
    text = "某公司规定\n第一章 总则 第一条 为规范催收，制定本规定。\n第二条 不得辱骂。\n第二章 外访 第三条 两人同行。"
    got = [(p.label, p.heading_path, text[p.start : p.end]) for p in parse(text)]
    assert got == [
        ("", (), "某公司规定"),
        ("第一条", ("第一章 总则",), "第一条 为规范催收，制定本规定。"),
        ("第二条", ("第一章 总则",), "第二条 不得辱骂。"),
        ("第三条", ("第二章 外访",), "第三条 两人同行。"),
    ]


def test_part_titles_are_headings_not_text_of_the_article_before() -> None:
    """「第二部分 外访要求」 between articles is a heading over the articles after it; it was read as the
    last line of the article before."""
    text = "某公司规定\n第一部分 总则\n第一条 为规范外访，制定本规定。\n第二部分 外访要求\n第二条 外访应当两人同行。"
    got = [(p.label, p.heading_path, p.text) for p in parse(text)]
    assert got == [
        ("", (), "某公司规定"),
        ("第一条", ("第一部分 总则",), "第一条 为规范外访，制定本规定。"),
        ("第二条", ("第二部分 外访要求",), "第二条 外访应当两人同行。"),
    ]


@pytest.mark.parametrize("label", ["{n}）", "({n})", "（{n}）", "{n})"])
def test_flat_clauses_numbered_with_parentheses(label: str) -> None:
    """1） / （1） numbering the whole policy opens a clause per number, as 1、 does (it was one 全文)."""
    lines = [
        "为规范外访，制定本规定。",
        "外访应当两人同行。",
        "不得进入客户卧室。",
        "本规定自发布之日起施行。",
    ]
    text = "某公司外访规定\n" + "\n".join(label.format(n=n) + line for n, line in enumerate(lines, 1))
    provisions = parse(text)
    assert [p.label for p in provisions] == ["", "1", "2", "3", "4"]
    assert [p.number for p in provisions[1:]] == [1, 2, 3, 4]
    assert provisions[3].text == label.format(n=3) + "不得进入客户卧室。"


def test_a_flat_policy_keeps_its_own_numbering_form() -> None:
    """A list numbered （1） （2） inside clause 2、 stays in it: the policy numbers its clauses 1、 2、."""
    text = (
        "某公司外访规定\n1、为规范外访，制定本规定。\n2、外访人员不得有下列行为：\n（1）辱骂客户；\n（2）进入客户卧室；\n"
        "（3）夜间外访。\n3、外访应当两人同行。\n4、本规定自发布之日起施行。"
    )
    provisions = parse(text)
    assert [p.label for p in provisions] == ["", "1", "2", "3", "4"]
    assert provisions[2].text.endswith("（3）夜间外访。")


@pytest.mark.parametrize(
    ("clauses", "nested"),
    [
        (["（一）", "（二）", "（三）"], "1. "),  # 一、 chapters, （一） clauses, 1. lists inside them
        (["1. ", "2. ", "3. "], "（1）"),  # 一、 chapters, 1. clauses, （1） lists inside them
        (["1、", "2、", "3、"], "（1）"),
    ],
)
def test_clauses_numbered_again_under_each_chapter_title(clauses: list[str], nested: str) -> None:
    """A policy in 一、 chapters whose clauses count again from one in each chapter: clause n of chapter
    m is m.n, under its chapter; a list inside a clause stays in it, and a chapter that is a
    sentence is a provision of its own."""
    one, two, three = clauses
    text = (
        f"某公司外访管理规定\n一、总则\n{one}为规范外访工作，制定本规定。\n{two}本规定适用于全体外访人员。\n"
        f"## 二、外访要求\n{one}外访人员不得有下列行为：\n{nested}辱骂客户；\n{nested.replace('1', '2')}夜间外访。\n"
        f"{two}外访应当两人同行。\n{three}外访时间为每日8:00至20:00。\n三、本规定自发布之日起施行。"
    )
    provisions = parse(text)
    assert [(p.label, p.heading_path) for p in provisions] == [
        ("", ()),
        ("1.1", ("一、总则",)),
        ("1.2", ("一、总则",)),
        ("2.1", ("二、外访要求",)),
        ("2.2", ("二、外访要求",)),
        ("2.3", ("二、外访要求",)),
        ("3", ()),
    ]
    by = {p.label: p for p in provisions}
    assert by["2.1"].text.endswith("夜间外访。") and by["2.3"].text.endswith("20:00。")
    assert by["3"].text == "三、本规定自发布之日起施行。"


@pytest.mark.parametrize("first", ["1、", "（一）"])
def test_clauses_numbered_again_under_each_chapter_heading(first: str) -> None:
    """The same under 第一章 / 第二章 headings (Markdown or not): it was one 全文 provision, chapters
    and all."""
    second = first.replace("1", "2").replace("一", "二")
    text = (
        f"某公司外访规定\n第一章 总则\n{first}为规范外访，制定本规定。\n{second}本规定适用于外访人员。\n"
        f"## 第二章 外访要求\n{first}外访应当两人同行。\n{second}不得进入卧室。"
    )
    assert [(p.label, p.heading_path) for p in parse(text)] == [
        ("", ()),
        ("1.1", ("第一章 总则",)),
        ("1.2", ("第一章 总则",)),
        ("2.1", ("第二章 外访要求",)),
        ("2.2", ("第二章 外访要求",)),
    ]


def test_one_list_in_one_chapter_is_no_outline() -> None:
    """Only chapter 二 numbers lines: they are the policy's flat clauses, the other chapters' text
    stays under its chapter (as before this outline reading)."""
    text = (
        "某公司外访规定\n一、总则\n为规范外访工作，制定本规定。\n二、外访要求\n外访人员应当遵守下列要求：\n"
        "1. 两人同行。\n2. 全程录音。\n3. 不得进入客户卧室。\n三、附则\n本规定自发布之日起施行。"
    )
    assert [(p.label, p.heading_path) for p in parse(text) if p.label] == [
        ("1", ("二、外访要求",)),
        ("2", ("二、外访要求",)),
        ("3", ("二、外访要求",)),
    ]


def _squash(text: str) -> str:
    return re.sub(r"[\s#]+", "", text)


_body = st.text(alphabet="催收人员应当遵守规定不得骚扰债务人与第三人信息，。", min_size=1, max_size=40).map(
    lambda s: "应" + s.replace("第", "")
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, int]:
    lines, n = ["# 示例生成守则", ""], 0
    for chapter in range(1, draw(st.integers(1, 4)) + 1):
        lines += [f"第{'一二三四'[chapter - 1]}章 生成章节", ""]
        for _ in range(draw(st.integers(1, 6))):
            n += 1
            lines += [f"{article_label(n)} {draw(_body)}", ""]
            for item in range(1, draw(st.integers(0, 3)) + 1):
                lines += [f"（{'一二三'[item - 1]}）{draw(_body)}；", ""]
    return "\n".join(lines), n


@settings(max_examples=60, deadline=None)
@given(documents())
def test_generated_documents_lose_no_text(doc: tuple[str, int]) -> None:
    text, n = doc
    provisions = parse(text)
    assert article_count(provisions) == n
    headings = [line for line in text.split("\n") if line.startswith("#") or re.match(r"^第.章", line)]
    rebuilt = "".join(headings) + "".join(p.text for p in provisions)
    assert sorted(_squash(rebuilt)) == sorted(_squash(text))
    for p in provisions:
        assert text[p.start : p.end] == p.text


def test_every_shared_corpus_file_matches_its_manifest() -> None:
    for entry in shared_manifest():
        text = (SHARED_CORPUS / entry["path"]).read_text(encoding="utf-8")
        provisions = parse(text)
        assert article_count(provisions) == entry["articles"], entry["path"]
        numbers = [p.number for p in provisions if p.label.startswith("第") and p.suffix is None]
        assert numbers == list(range(1, len(numbers) + 1)), f"{entry['path']}: numbering not continuous"
        for p in provisions:
            if p.label.startswith("第"):
                assert p.label == article_label(p.number, p.suffix)
        # no text lost: every non-heading line is inside exactly one provision
        covered = _squash("".join(p.text for p in provisions))
        body = _squash("".join(line for line in text.split("\n") if not line.startswith("#")))
        assert (len(covered) <= len(body) and sorted(covered) == sorted(body)) or _only_subheadings_missing(
            body, covered
        ), entry["path"]


def _only_subheadings_missing(body: str, covered: str) -> bool:
    """Group titles like （一）不动产抵押 become headings, so they leave the provisions' text."""
    from collections import Counter

    missing = Counter(body) - Counter(covered)
    extra = Counter(covered) - Counter(body)
    return not extra and sum(missing.values()) < 40


def test_numbered_clauses_are_provisions_when_they_number_the_document() -> None:
    text = (
        "# 某公司规范\n\n## 1 总则\n\n1.1 为规范作业，制定本规范。\n\n1．2 本规范适用于坐席人员。\n\n"
        "## 2 呼叫\n\n2.1 不得在二十一时后呼叫。\n依照1.1 的规定记录。\n\n2.1.1 债务人主动来电的除外。\n\n"
        "1.5 倍以上的部分不予认可。\n"
    )
    provisions = parse(text)
    assert [p.label for p in provisions] == ["1.1", "1.2", "2.1", "2.1.1"]
    assert provisions[2].text == "2.1 不得在二十一时后呼叫。\n依照1.1 的规定记录。"  # a reference mid-clause
    assert provisions[3].text.endswith("1.5 倍以上的部分不予认可。")  # a smaller number opens nothing
    assert provisions[2].heading_path == ("2 呼叫",)
    assert all(p.number is None for p in provisions)  # 2.1 is no 第二条: lookups go by the label


def test_a_few_numbered_lines_or_articles_keep_their_own_structure() -> None:
    two = "# 说明\n\n1.1 第一点。\n\n1.2 第二点。\n"
    assert [p.label for p in parse(two)] == ["全文"]
    with_articles = "第一条 总则。\n\n1.1 细则一。\n\n1.2 细则二。\n\n1.3 细则三。\n\n第二条 附则。\n"
    assert [p.label for p in parse(with_articles)] == ["第一条", "第二条"]
    amounts = "# 费用\n\n3.5%的年化利率。\n\n4.5% 的违约金。\n\n5.5%。\n"
    assert [p.label for p in parse(amounts)] == ["全文"]


def test_a_numbered_policy_read_from_word_keeps_its_outline() -> None:
    """No Markdown: a table of contents first, chapter titles as plain lines, a short numbered title
    with clauses below it, and a wrapped line that opens with an amount."""
    text = (
        "某公司外包催收规范\n目录\n1.1 目的\n2.1 呼叫时间\n2.2 禁止行为\n"
        "1 总则\n1.1 为规范外包催收，制定本规范。\n1.2 本规范适用于受托机构。\n"
        "二、呼叫管理\n2.1 坐席不得在二十一时后呼叫债务人。\n2.2 禁止行为\n"
        "2.2.1 不得辱骂债务人。\n2.2.2 单笔欠款\n5.5万元以上的，须经主管批准。\n"
        "2.3 录音应当保存三年。\n"
    )
    provisions = parse(text)
    assert [p.label for p in provisions] == ["", "1.1", "1.2", "2.1", "2.2", "2.2.1", "2.2.2", "2.3"]
    assert provisions[0].text.endswith("2.2 禁止行为")  # the table of contents stays in the preamble
    by = {p.label: p for p in provisions}
    assert by["1.1"].heading_path == ("1 总则",)
    assert by["2.1"].heading_path == by["2.3"].heading_path == ("二、呼叫管理",)
    assert by["2.2"].text == "2.2 禁止行为"  # a numbered title is a provision: 第2.2条 finds it
    assert by["2.2.2"].text.endswith("5.5万元以上的，须经主管批准。")  # an amount opens no clause


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # numbered titles with their paragraphs below
            "1 总则\n1.1 目的\n为规范催收行为，制定本办法。\n1.2 适用范围\n本办法适用于催收人员。\n"
            "2 催收行为\n2.1 催收时间\n每日8时至21时。\n",
            [("1.1", ("1 总则",)), ("1.2", ("1 总则",)), ("2.1", ("2 催收行为",))],
        ),
        (  # a list inside a clause is no chapter
            "1.1 为规范催收，制定本办法。\n2.3 催收人员不得有下列行为：\n1、使用暴力或者以暴力相威胁\n"
            "2、辱骂债务人\n3、骚扰无关第三人\n2.4 催收应当录音。\n",
            [("1.1", ()), ("2.3", ()), ("2.4", ())],
        ),
        (  # 第X章 headings stay on the path
            "第一章 总则\n1.1 为规范催收，制定本办法。\n1.2 本办法适用于催收人员。\n第二章 催收行为\n"
            "2.1 催收人员不得辱骂债务人。\n",
            [("1.1", ("第一章 总则",)), ("1.2", ("第一章 总则",)), ("2.1", ("第二章 催收行为",))],
        ),
        (  # a chapter without numbered clauses does not stop the outline
            "1 总则\n1.1 为规范催收，制定本办法。\n1.2 本办法适用于催收人员。\n2 定义\n本办法所称催收，是指追讨欠款。\n"
            "3 管理要求\n3.1 应当录音。\n3.2 应当留痕。\n3.3 应当复核。\n",
            [
                ("1.1", ("1 总则",)),
                ("1.2", ("1 总则",)),
                ("3.1", ("3 管理要求",)),
                ("3.2", ("3 管理要求",)),
                ("3.3", ("3 管理要求",)),
            ],
        ),
        (  # contents with dot leaders and page numbers, chapters listed too
            "某公司办法\n目录\n1 总则 ........ 1\n1.1 目的 ........................................ 1\n"
            "2 催收行为 ........ 2\n2.1 催收时间 ........ 2\n1 总则\n1.1 目的\n为规范催收行为，制定本办法。\n"
            "2 催收行为\n2.1 催收时间\n每日8时至21时。\n2.2 禁止行为\n不得辱骂债务人。\n",
            [("1.1", ("1 总则",)), ("2.1", ("2 催收行为",)), ("2.2", ("2 催收行为",))],
        ),
        (  # a version table (DOCX rows) before the body; clause texts opening with figures
            "某公司办法\n版本 | 日期 | 说明\n1.0 | 2024-01-01 | 初版发布\n1.1 | 2025-03-01 | 修订\n"
            "1 总则\n1.1 为规范催收，制定本办法。\n1.2 24小时内未处理的投诉，应当升级。\n"
            "1.3 18周岁以下的人员不得从事催收。\n",
            [("1.1", ("1 总则",)), ("1.2", ("1 总则",)), ("1.3", ("1 总则",))],
        ),
        (  # a chapter deleted (2), a list closing chapter 1 and one closing chapter 3
            "1 总则\n1.1 为规范催收，制定本办法。\n1.2 催收工作应当遵循以下原则\n1、合法原则，催收应当依法进行；\n"
            "2、审慎原则\n3 管理要求\n3.1 催收人员不得有下列行为：\n1. 使用暴力\n2. 辱骂债务人\n4 附则\n"
            "4.1 本办法自发布之日起施行。\n",
            [("1.1", ("1 总则",)), ("1.2", ("1 总则",)), ("3.1", ("3 管理要求",)), ("4.1", ("4 附则",))],
        ),
    ],
)
def test_numbered_policy_layouts(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    provisions = [p for p in parse(text) if p.label]
    assert [(p.label, p.heading_path) for p in provisions] == expected
    items = "\n".join(p.text for p in provisions)
    assert "3、骚扰无关第三人" in items or "骚扰" not in text  # a clause keeps its list
