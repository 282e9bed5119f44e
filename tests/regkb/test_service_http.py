"""The HTTP API through FastAPI's test client on a real index (hash embedder), and one real uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from regkb.commands.common import answer_json
from regkb.service.http import create_app
from tests.processes import free_port, wait_until_ok

pytestmark = pytest.mark.integration

QUESTION = "客户不接电话，我能打给他同事吗？"


@pytest.fixture(scope="module")
def client(hash_engine) -> TestClient:
    return TestClient(create_app(hash_engine))


def _without_timings(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "timings_ms"}


def test_ask_returns_the_cli_json(client, hash_engine) -> None:
    response = client.post("/ask", json={"question": QUESTION, "id": "q1"})
    assert response.status_code == 200
    body = response.json()
    assert _without_timings(body) == _without_timings(answer_json(hash_engine.ask(QUESTION), "q1"))
    assert set(body["timings_ms"]) == {"retrieve", "answer", "total"}
    assert body["citations"] and not body["refused"]
    by_label = {
        p.citation_label: p for d in hash_engine.documents() for p in hash_engine.passages_of(d.doc_id)
    }
    for c in body["citations"]:
        assert c["quote"] in by_label[f"《{c['short_title']}》{c['article']}"].text


def test_ask_level_filter_and_refusal(client, hash_engine) -> None:
    internal = {d.doc_id for d in hash_engine.documents() if d.level == "内部制度"}
    body = client.post("/ask", json={"question": QUESTION, "level": "内部制度", "k": 5}).json()
    assert body["retrieved"] and {h["doc_id"] for h in body["retrieved"]} <= internal
    refused = client.post("/ask", json={"question": "劳动合同法规定加班费怎么算？"}).json()
    assert refused["refused"] and refused["citations"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": QUESTION, "k": 0}, "k"),
        ({"question": QUESTION, "k": "many"}, "k"),
        ({"question": QUESTION, "level": "宪法"}, "level"),
        ({"question": QUESTION, "history": "not a list"}, "history"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, payload: dict, field: str) -> None:
    response = client.post("/ask", json=payload)
    assert response.status_code == 400
    assert response.json()["field"] == field and field in response.json()["error"]


def test_malformed_json_is_400(client) -> None:
    response = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]


def test_check_flags_a_red_line_with_quoted_provisions(client, hash_engine) -> None:
    body = client.post("/check", json={"text": "催收员可在微信群公开欠款人照片和欠款金额"}).json()
    [clause] = body["clauses"]
    assert clause["verdict"] == "违规风险" and clause["redlines"]
    texts = {
        p.citation_label: p.text for d in hash_engine.documents() for p in hash_engine.passages_of(d.doc_id)
    }
    assert clause["quotes"]
    for quote in clause["quotes"]:
        assert texts[quote["citation"]].startswith(quote["text"][:20])
    named = {label for rule in clause["redlines"] for label in rule["provisions"]}
    assert {q["citation"] for q in clause["quotes"]} == named


def test_verify_classifies_each_citation(client) -> None:
    text = "依据《民法典》第六百八十条，禁止高利放贷；另见《民法典》第九千条。"
    body = client.post("/verify", json={"text": text}).json()
    statuses = {c["citation"]: c["status"] for c in body["citations"]}
    assert statuses == {"《民法典》第六百八十条": "valid", "《民法典》第九千条": "article_missing"}
    assert body["all_valid"] is False
    valid = next(c for c in body["citations"] if c["status"] == "valid")
    assert valid["label"] == "《民法典》第六百八十条" and valid["text"].startswith(
        "第六百八十条 禁止高利放贷"
    )


def test_documents_and_verbatim_article(client, hash_engine) -> None:
    docs = client.get("/documents").json()["documents"]
    assert len(docs) == len(hash_engine.documents())
    civil = next(d for d in docs if d["doc_id"] == "laws/civil-code.md")
    assert civil["short_title"] == "民法典" and civil["level"] == "法律"
    by_label = client.get("/documents/laws/civil-code.md/articles/第六百八十条")
    by_number = client.get("/documents/laws/civil-code.md/articles/680")
    assert by_label.status_code == 200 and by_label.json() == by_number.json()
    article = by_label.json()
    [passage] = hash_engine.lookup("民法典第680条")
    assert article["text"] == passage.text and article["citation"] == "《民法典》第六百八十条"
    assert article["effective"] == passage.effective and article["title"] == "中华人民共和国民法典"


@pytest.mark.parametrize(
    "path",
    [
        "/documents/laws/civil-code.md/articles/第九千条",
        "/documents/laws/civil-code.md/articles/99999999999",  # no Chinese numeral writes it: it raised
        "/documents/laws/nope.md/articles/第一条",
        "/nowhere",
    ],
)
def test_unknown_article_document_or_path_is_404_json(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.json()["error"]


def test_oversized_body_is_413(hash_engine) -> None:
    small = TestClient(create_app(hash_engine, max_body=1000))
    declared = small.post("/verify", json={"text": "《民法典》第六百八十条" * 200})
    assert declared.status_code == 413 and declared.json()["field"] == "body"

    def chunks():  # no content-length: the limit counts the bytes as they arrive
        yield b'{"text": "'
        for _ in range(10):
            yield "催".encode() * 100

    streamed = small.post("/verify", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert small.post("/verify", json={"text": "《民法典》第六百八十条"}).status_code == 200


def test_bearer_token_guards_everything_but_healthz(hash_engine) -> None:
    guarded = TestClient(create_app(hash_engine, token="s3cret"))
    assert guarded.get("/documents").status_code == 401
    wrong = guarded.get("/documents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "REGKB_API_TOKEN" in wrong.json()["error"]
    assert wrong.headers["www-authenticate"] == "Bearer"
    ok = guarded.post("/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["citations"]
    assert guarded.get("/healthz").json()["status"] == "ok"


def test_openapi_publishes_every_endpoint(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/ask", "/check", "/verify", "/documents", "/healthz"} <= set(paths)
    assert "/documents/{doc_id}/articles/{label}" in paths
    assert "question" in json.dumps(client.get("/openapi.json").json()["components"])


class _SlowEngine:
    """ask() waits until two requests are inside it at once: a blocking server never gets there."""

    generation = "fake"

    def __init__(self, engine) -> None:
        self._engine = engine
        self.barrier = threading.Barrier(2, timeout=10)

    def ask(self, question, **kw):
        self.barrier.wait()
        return self._engine.ask(question, **kw)

    def documents(self):
        return self._engine.documents()

    def reload_if_changed(self) -> bool:
        return self._engine.reload_if_changed()


def test_requests_run_concurrently(hash_engine) -> None:
    app = create_app(_SlowEngine(hash_engine))  # type: ignore[arg-type]

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            statuses: list[int] = []

            async def ask() -> None:
                statuses.append((await http.post("/ask", json={"question": QUESTION})).status_code)

            async with anyio.create_task_group() as tg:
                tg.start_soon(ask)
                tg.start_soon(ask)
            return statuses

    assert anyio.run(run) == [200, 200]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_real_uvicorn_process(hash_index: Path, hash_engine) -> None:
    port = free_port()
    env = {**os.environ, "REGKB_DENSE": '["hash"]', "REGKB_API_TOKEN": "tok"}
    cmd = [sys.executable, "-m", "regkb.cli", "serve", "--index", str(hash_index), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{base}/healthz", proc, "regkb serve", timeout=90)
        status, health = _get(f"{base}/healthz")
        assert status == 200 and health["generation"] == hash_engine.generation
        assert _get(f"{base}/documents")[0] == 401
        status, article = _get(f"{base}/documents/laws/pipl.md/articles/13", {"Authorization": "Bearer tok"})
        assert status == 200 and article["citation"] == "《个人信息保护法》第十三条"
        body = json.dumps({"question": QUESTION}).encode()
        request = urllib.request.Request(
            f"{base}/ask", body, {"Authorization": "Bearer tok", "Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert _without_timings(answer) == _without_timings(answer_json(hash_engine.ask(QUESTION)))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
