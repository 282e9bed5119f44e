"""The MCP tools in process (the SDK's in-memory client) and through a real `regkb mcp` stdio session."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from regkb.service.mcp_server import build_server

pytestmark = pytest.mark.integration

TOOLS = {"search_provisions", "get_article", "verify_citations", "check_clause"}


def _call_all(target: Any, calls: list[tuple[str, dict[str, Any]]]) -> tuple[set[str], list[Any]]:
    """Open one client session, list the tools, make the calls in order."""

    async def run() -> tuple[set[str], list[Any]]:
        async with Client(target, read_timeout_seconds=120) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            return names, [await client.call_tool(name, args) for name, args in calls]

    return anyio.run(run)


@pytest.fixture(scope="module")
def texts(hash_engine) -> dict[str, str]:
    return {
        p.citation_label: p.text for d in hash_engine.documents() for p in hash_engine.passages_of(d.doc_id)
    }


@pytest.mark.parametrize("article", ["第六百八十条", "680", "第680条"])
def test_get_article_accepts_every_spelling(hash_engine, texts, article: str) -> None:
    _, [result] = _call_all(
        build_server(hash_engine), [("get_article", {"law": "民法典", "article": article})]
    )
    assert not result.is_error
    body = result.structured_content
    assert body["citation"] == "《民法典》第六百八十条" and body["text"] == texts["《民法典》第六百八十条"]
    assert body["doc_id"] == "laws/civil-code.md" and body["level"] == "法律"


def test_search_carries_labels_and_verbatim_text(hash_engine, texts) -> None:
    question = "催收时能不能联系债务人的同事？"
    _, [plain, internal] = _call_all(
        build_server(hash_engine),
        [
            ("search_provisions", {"question": question, "k": 4}),
            ("search_provisions", {"question": question, "k": 3, "level": "内部制度"}),
        ],
    )
    results = plain.structured_content["results"]
    expected = [h.passage.citation_label for h in hash_engine.retrieve(question, k=4)]
    assert [r["citation"] for r in results] == expected
    for r in results + internal.structured_content["results"]:
        assert texts[r["citation"]] == r["text"] or r["parts"] > 1
    assert len(internal.structured_content["results"]) == 3
    assert {r["level"] for r in internal.structured_content["results"]} == {"内部制度"}


def test_verify_and_check_tools(hash_engine, texts) -> None:
    _, [verified, checked] = _call_all(
        build_server(hash_engine),
        [
            ("verify_citations", {"text": "《个人信息保护法》第十三条、《民法典》第九千条"}),
            ("check_clause", {"text": "催收员可在微信群公开欠款人照片和欠款金额"}),
        ],
    )
    statuses = {c["citation"]: c["status"] for c in verified.structured_content["citations"]}
    assert statuses["《个人信息保护法》第十三条"] == "valid"
    assert statuses["《民法典》第九千条"] == "article_missing"
    [clause] = checked.structured_content["clauses"]
    assert clause["verdict"] == "违规风险"
    assert clause["quotes"] and all(texts[q["citation"]] == q["text"] for q in clause["quotes"])


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("get_article", {"law": "民法典", "article": "9000"}, "第九千条"),
        ("get_article", {"law": "劳动合同法", "article": "1"}, "not in the index"),
        ("search_provisions", {"question": "催收", "k": 3, "level": "宪法"}, "field 'level'"),
        ("search_provisions", {"question": "催收", "k": 0}, "field 'k'"),
        ("verify_citations", {"text": "  "}, "field 'text'"),
    ],
)
def test_bad_calls_are_tool_errors_that_say_why(hash_engine, name: str, args: dict, message: str) -> None:
    _, [result] = _call_all(build_server(hash_engine), [(name, args)])
    assert result.is_error and message in result.content[0].text


def test_real_stdio_session(hash_index: Path, texts) -> None:
    env = {**os.environ, "REGKB_DENSE": '["hash"]'}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "regkb.cli", "mcp", "--index", str(hash_index)], env=env
    )
    names, [article, verified] = _call_all(
        params,
        [
            ("get_article", {"law": "刑法", "article": "293条之一"}),
            ("verify_citations", {"text": "依据《民法典》第六百八十条“禁止高利放贷”。"}),
        ],
    )
    assert names == TOOLS
    assert article.structured_content["citation"] == "《刑法》第二百九十三条之一"
    assert article.structured_content["text"] == texts["《刑法》第二百九十三条之一"]
    [check] = verified.structured_content["citations"]
    assert check["status"] == "valid" and check["quote"] == "禁止高利放贷"
