"""regkb.quiz parsing: question files in the eval format and item citations."""

from __future__ import annotations

import json
import re

import pytest

from regkb.cli import main
from regkb.errors import ConfigError
from regkb.quiz import citation_parts, load_questions

GOOD = {
    "id": "q-1",
    "question": "投诉多久答复？",
    "gold": [{"doc": "rules/a.md", "article": "第二条"}],
    "x": 1,
}


def test_question_file_lines_become_questions_and_blank_lines_are_skipped(tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [GOOD, {"id": "q-2", "question": "天气？", "answerable": False}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    first, second = load_questions(path)
    assert (first.id, first.gold[0].doc, first.gold[0].article, first.answerable) == (
        "q-1",
        "rules/a.md",
        "第二条",
        True,
    )
    assert second.answerable is False and second.gold == []


def test_a_bad_line_names_the_file_line_and_field(tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps({"id": "q-3"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: field 'question': Field required"):
        load_questions(path)
    with pytest.raises(ConfigError, match=r"cannot read .*REGKB_QUIZ_QUESTIONS"):
        load_questions(tmp_path / "absent.jsonl")


def test_regkb_quiz_reports_a_bad_question_file_before_opening_any_index(tmp_path, capsys) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    assert main(["quiz", "--questions", str(path), "--index", str(tmp_path / "no-index")]) == 2
    assert f"{path}:1: field '(line)'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("citation", "parts"),
    [
        ("《个人信息保护法》第十三条", ("个人信息保护法", "第十三条")),
        ("《刑法》第二百九十三条之一", ("刑法", "第二百九十三条之一")),
        ("《示例细则》", ("示例细则", "")),  # a preamble
        (" 《示例细则》 第一条 ", ("示例细则", "第一条")),
        ("第十三条", ("", "")),  # not a citation
        ("《甲》第一条《乙》第二条", ("", "")),
    ],
)
def test_citation_parts(citation, parts) -> None:
    assert citation_parts(citation) == parts
