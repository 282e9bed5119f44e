"""Training quiz: cloze and scenario items, deterministic, with a correct answer key."""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest

from regkb import structure
from regkb.index import IndexReader
from regkb.numerals import article_label
from regkb.quiz import BLANK, CLOZE, SCENARIO, QuizQuestion, make_quiz, phrases, render_markdown
from regkb.types import Passage

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))

# Invented rules of a fictional company, written for these tests.
RULES = {
    "示例催收办法": [
        "催收人员不得在晚间拨打债务人的工作单位电话。",
        "催收人员应当在每次通话开始时表明公司名称。",
        "违反本办法泄露客户信息的，处三年以下有期徒刑的案件应当移送公安机关。",
        "客户投诉应当在十五日内答复。",
        "催收人员不得向债务人的同事透露欠款事实。",
        "委外机构应当每月报送催收记录。",
        "录音资料保存期限不少于二年。",
        "对老年客户不得使用催促还款的短信模板。",
    ],
    "示例信息细则": [
        "查询征信报告应当取得客户书面授权。",
        "员工不得私自复制客户通讯录。",
        "客户信息的保存期限为五年。",
        "情节严重的，处五年以上十年以下有期徒刑的案件不得内部处理。",
        "数据出境应当经信息安全委员会审批。",
        "删除请求应当在三十日内处理。",
        "外包人员不得接触完整身份证号。",
        "情节较轻的，处十日以下拘留的行为应当记录在案。",
    ],
}


def make_passages() -> list[Passage]:
    out = []
    for short, texts in RULES.items():
        for i, body in enumerate(texts, 1):
            label = article_label(i)
            text = f"{label} {body}"
            out.append(
                Passage(
                    id=Passage.make_id(f"internal/{short}.md", label, 0, text),
                    doc_id=f"internal/{short}.md",
                    root="corpus",
                    title=short,
                    short_title=short,
                    level="内部制度",
                    article=label,
                    text=text,
                    article_no=i,
                    order=i,
                )
            )
    return out


PASSAGES = make_passages()
BY_LABEL = {p.citation_label: p for p in PASSAGES}
QUESTIONS = [
    QuizQuestion(
        id="q1",
        question="能不能把客户欠钱的事告诉他同事？",
        gold=[{"article": "第五条", "short_title": "示例催收办法"}],
    ),
    QuizQuestion(
        id="q2",
        question="查客户征信要什么手续？",
        gold=[{"article": "第一条", "short_title": "示例信息细则"}],
    ),
    QuizQuestion(
        id="q3",
        question="客户要求删除信息，多久内处理？",
        gold=[{"article": "第六条", "short_title": "示例信息细则"}],
    ),
    QuizQuestion(
        id="q4",
        question="示例催收办法第四条讲什么？",
        gold=[{"article": "第四条", "short_title": "示例催收办法"}],
    ),
    QuizQuestion(id="q5", question="下雨天要带伞吗？", answerable=False),
]


def check_answer_key(item, article_text: str) -> None:
    """The right option completes the article; no wrong option does."""
    context = item.prompt.split("：", 1)[1].strip("…")
    right = item.options[item.answer]
    assert right in article_text
    assert context.replace(BLANK, right) in article_text
    for j, option in enumerate(item.options):
        if j != item.answer:
            assert context.replace(BLANK, option) not in article_text
            assert option not in article_text


def test_the_same_seed_gives_the_same_quiz_and_another_seed_another():
    first = make_quiz(PASSAGES, 6, seed=7, questions=QUESTIONS, terms=())
    again = make_quiz(list(reversed(PASSAGES)), 6, seed=7, questions=QUESTIONS, terms=())
    assert first == again
    assert make_quiz(PASSAGES, 6, seed=8, questions=QUESTIONS, terms=()) != first


def test_cloze_items_blank_a_key_phrase_with_distractors_of_the_same_kind():
    items = make_quiz(PASSAGES, 8, seed=1, terms=())
    assert len(items) == 8 and all(i.kind == CLOZE for i in items)
    for item in items:
        assert item.prompt.count(BLANK) == 1
        assert len(item.options) == 4 and len(set(item.options)) == 4
        passage = BY_LABEL[item.citation]
        assert item.explanation == passage.text
        check_answer_key(item, passage.text)
        right = item.options[item.answer]
        kinds = {kind for kind, phrase in phrases(passage.text) if phrase == right}
        assert kinds, right
        for option in item.options:  # every option is the same kind of phrase
            if kinds & {"不得", "应当"}:
                assert option[:2] == right[:2]
            else:
                assert option[-2:] in ("徒刑", "拘留") or option[-1] in "日年"


def test_phrases_find_numbers_with_units_and_duties():
    found = phrases("第三条 违反的，处三年以下有期徒刑；客户投诉应当在十五日内答复，不得拖延处理。")
    assert ("number:有期徒刑", "三年以下有期徒刑") in found
    assert ("应当", "应当在十五日内答复") in found
    assert ("不得", "不得拖延处理") in found
    assert all(phrase != "三条" for _, phrase in found)


def test_scenario_items_choose_the_gold_article():
    items = make_quiz(PASSAGES, 4, seed=3, questions=QUESTIONS, terms=())
    scenario = [i for i in items if i.kind == SCENARIO]
    assert len(scenario) == 2  # half of n
    gold = {q.question: q.gold[0] for q in QUESTIONS if q.gold}
    for item in scenario:
        question = next(q for q in gold if q in item.prompt)
        assert item.citation == f"《{gold[question].short_title}》{gold[question].article}"
        assert item.options[item.answer].startswith(item.citation + "：")
        assert sum(o.startswith(item.citation) for o in item.options) == 1
        assert all("\n" not in o for o in item.options)
    # a question naming its own article would give the answer away; unanswerable ones are skipped
    assert not any("第四条讲什么" in i.prompt or "带伞" in i.prompt for i in items)


def test_doc_filter_keeps_to_one_document():
    items = make_quiz(PASSAGES, 10, seed=2, doc="示例信息细则", questions=QUESTIONS, terms=())
    assert items and all(i.citation.startswith("《示例信息细则》") for i in items)
    assert all(i.doc_id == "internal/示例信息细则.md" for i in items)


def test_markdown_lists_questions_then_the_answer_key():
    items = make_quiz(PASSAGES, 3, seed=4, terms=())
    md = render_markdown(items, seed=4)
    assert md.startswith("# 培训测验\n")
    assert md.count("## 第 ") == 3 and md.count("- A. ") == 3
    key = md.split("## 答案与解析", 1)[1]
    for i, item in enumerate(items, 1):
        letter = "ABCD"[item.answer]
        assert f"{i}. **{letter}** {item.options[item.answer]}  —  {item.citation}" in key
    assert md.index("## 答案与解析") > md.index("## 第 3 题")


class _FakeReader:
    passages = PASSAGES

    def close(self) -> None:
        pass


def run_quiz(argv: list[str], monkeypatch) -> int:
    from regkb.commands import quiz

    monkeypatch.setattr(IndexReader, "open", classmethod(lambda cls, d: _FakeReader()))
    parser = argparse.ArgumentParser(prog="regkb")
    quiz.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_json_and_md(monkeypatch, tmp_path, capsys):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join(q.model_dump_json() for q in QUESTIONS), encoding="utf-8")
    argv = ["quiz", "--n", "4", "--seed", "5", "--format", "json", "--questions", str(qfile), "--index", "x"]
    assert run_quiz(argv, monkeypatch) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 4 and {d["kind"] for d in data} == {CLOZE, SCENARIO}
    for d in data:
        assert d["answer_letter"] == "ABCD"[d["answer"]]
        assert re.fullmatch(r"《[^》]+》第[一二三四五六七八九十]+条", d["citation"])
    assert (
        run_quiz(["quiz", "--n", "2", "--seed", "5", "--doc", "示例催收办法", "--index", "x"], monkeypatch)
        == 0
    )
    md = capsys.readouterr().out
    assert md.startswith("# 培训测验") and "《示例信息细则》" not in md


def test_cli_rejects_an_unknown_doc_and_a_bad_question_file(monkeypatch, tmp_path):
    from regkb.errors import ConfigError, RegkbError

    with pytest.raises(RegkbError, match="示例催收办法"):
        run_quiz(["quiz", "--doc", "劳动法", "--index", "x"], monkeypatch)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{bad}:1")):
        run_quiz(["quiz", "--questions", str(bad), "--index", "x"], monkeypatch)


def test_quiz_is_a_builtin_subcommand():
    from regkb.cli import BUILTIN

    assert "regkb.commands.quiz" in BUILTIN


def test_real_statutes_answer_keys_hold():
    """Over the statute pack, parsed as the ingest does, every cloze answer key is right."""
    from ingest.sources.statutes import load_statutes

    passages = []
    for doc in load_statutes(REPO / "corpus" / "sources.toml", today=date(2026, 11, 1)):
        for order, prov in enumerate(structure.parse(doc.text)):
            if prov.label.startswith("第"):
                passages.append(
                    Passage(
                        id=Passage.make_id(doc.doc_id, prov.label, 0, prov.text),
                        doc_id=doc.doc_id,
                        root=doc.root,
                        title=doc.meta.title,
                        short_title=doc.meta.short_title,
                        level=doc.meta.level,
                        article=prov.label,
                        text=prov.text,
                        order=order,
                    )
                )
    by_label = {p.citation_label: p for p in passages}
    questions = None
    dev = SHARED / "evals" / "dev.jsonl"
    if dev.exists():
        questions = [
            QuizQuestion.model_validate_json(line) for line in dev.read_text("utf-8").splitlines() if line
        ]
    items = make_quiz(passages, 30, seed=11, questions=questions)
    assert len(items) == 30
    for item in items:
        if item.kind == CLOZE:
            check_answer_key(item, by_label[item.citation].text)
        else:
            assert item.options[item.answer].startswith(item.citation)
    assert make_quiz(passages, 30, seed=11, questions=questions) == items
