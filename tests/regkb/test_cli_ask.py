"""`regkb ask` / `regkb check` command-line contracts: scripts outside the repository rely on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ASK_KEYS = {"id", "question", "refused", "answer", "citations", "retrieved", "timings_ms", "conclusion"}
LABELS = {"不可以", "可以", "有条件可以", "视情况而定"}
CITATION_KEYS = {"doc_id", "title", "short_title", "article", "quote"}
RETRIEVED_KEYS = {"doc_id", "title", "short_title", "article", "score", "channels"}


def regkb(index: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGKB_DENSE": '["hash"]'}
    return subprocess.run(
        [sys.executable, "-m", "regkb.cli", *args, "--index", str(index)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_ask_batch_json_schema(hash_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [
        {"id": "a1", "question": "刑法293条之一是什么规定？"},
        {"id": "a2", "question": "个人所得税的起征点现在是多少？个税法怎么规定"},
        {"id": "a3", "question": "我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？"},
    ]
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    done = regkb(hash_index, "ask", "--batch", str(batch), "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]
    for row in rows:
        assert set(row) >= ASK_KEYS
        assert isinstance(row["refused"], bool) and isinstance(row["answer"], str)
        assert set(row["timings_ms"]) == {"retrieve", "answer", "total"}
        assert len(row["retrieved"]) <= 10
        for r in row["retrieved"]:
            assert set(r) == RETRIEVED_KEYS and isinstance(r["channels"], list)
        for c in row["citations"]:
            assert set(c) == CITATION_KEYS
    first = rows[0]
    assert not first["refused"]
    assert first["retrieved"][0]["short_title"] == "刑法"  # laws/criminal-law.md or statutes/刑法
    assert first["retrieved"][0]["article"] == "第二百九十三条之一"
    # the answer may re-indent a multi-paragraph quote; the characters are the article's, verbatim
    assert "".join(first["citations"][0]["quote"].split()) in "".join(first["answer"].split())
    assert rows[1]["refused"] and rows[1]["citations"] == []
    # conclusion: {"label": one of four labels or null, "text": the conclusion line}
    for row in rows:
        assert set(row["conclusion"]) == {"label", "text"}
    assert first["conclusion"]["label"] is None and first["conclusion"]["text"]  # a lookup: no label
    assert first["answer"].startswith("结论：")
    assert rows[1]["conclusion"]["label"] is None  # a refusal has no conclusion label
    permission = rows[2]  # a quoted clause the review flags: the conclusion follows the verdict
    assert not permission["refused"] and permission["verdict"] == "违规风险"
    assert permission["conclusion"]["label"] == "不可以"
    assert permission["conclusion"]["text"].startswith(permission["conclusion"]["label"])
    assert permission["answer"].startswith(f"结论：【{permission['conclusion']['label']}】")


def test_ask_rejects_bad_batch_line(hash_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"question": "no id"}\n', encoding="utf-8")
    done = regkb(hash_index, "ask", "--batch", str(batch), "--json")
    assert done.returncode == 2
    assert "bad.jsonl:1" in done.stderr and "'id'" in done.stderr


def test_missing_index_says_how_to_fix(tmp_path: Path) -> None:
    done = regkb(tmp_path / "nowhere", "ask", "催收能不能打给同事")
    assert done.returncode == 2 and "regkb ingest" in done.stderr


def test_check_json(hash_index: Path) -> None:
    done = regkb(hash_index, "check", "催收员可以在微信群公开欠款人照片和欠款金额进行曝光。", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)[0]
    assert result["verdict"] == "违规风险" and result["redlines"]
    assert {"label", "text", "verdict", "severity", "redlines", "governing"} <= set(result)


def test_check_given_a_file_path_as_the_clause_says_to_use_file(hash_index: Path, tmp_path: Path) -> None:
    """「regkb check draft.txt」 reviewed the path itself as a clause (未发现明显冲突): it is refused,
    naming --file; --file reviews the policy clause by clause."""
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "一、信息\n1、可以将客户欠款信息告知其同事以督促还款。\n2、外访人员不得少于两人。\n", encoding="utf-8"
    )
    done = regkb(hash_index, "check", str(draft))
    assert done.returncode == 2 and f"--file {draft}" in done.stderr and not done.stdout
    reviewed = regkb(hash_index, "check", "--file", str(draft), "--json")
    assert reviewed.returncode == 0, reviewed.stderr
    results = json.loads(reviewed.stdout)
    assert len(results) >= 2  # clause by clause
    assert [r["verdict"] for r in results if "同事" in r["text"]] == ["违规风险"]


def test_ask_given_a_file_path_as_the_question_says_to_use_batch(hash_index: Path, tmp_path: Path) -> None:
    """「regkb ask questions.jsonl --json」 asked the path as a question (and refused it): it exits 2
    naming --batch, and --batch answers the file's questions."""
    batch = tmp_path / "questions.jsonl"
    batch.write_text('{"id": "q1", "question": "民法典第1033条是什么"}\n', encoding="utf-8")
    done = regkb(hash_index, "ask", str(batch), "--json")
    assert done.returncode == 2 and f"--batch {batch}" in done.stderr and not done.stdout
    answered = regkb(hash_index, "ask", "--batch", str(batch), "--json")
    assert answered.returncode == 0 and json.loads(answered.stdout.splitlines()[0])["id"] == "q1"


@pytest.mark.parametrize("k", ["0", "-1"])
def test_ask_with_a_k_below_one_exits_2_naming_it(hash_index: Path, k: str) -> None:
    """--k 0 was answered 「检索无结果」 and --k -1 silently dropped the last passage."""
    done = regkb(hash_index, "ask", "民法典第1033条", "--k", k, "--json")
    assert done.returncode == 2 and "--k must be at least 1" in done.stderr and not done.stdout
