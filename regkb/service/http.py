"""The HTTP API (FastAPI on uvicorn): the only module that imports them.

    app = create_app(engine, token=None)      # one Engine, loaded once, shared by every request
    serve(engine, host="127.0.0.1", port=8000, token=None)

Endpoints are plain ``def`` functions, so FastAPI runs each in its threadpool: Engine.ask is
synchronous CPU work and a slow request never blocks the event loop or the other requests.
Errors are JSON ``{"error": message, "field": name?}``: 400 bad input (naming the field),
401 missing or wrong bearer token, 404 unknown document, article or path, 413 oversized body.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from regkb.commands.common import answer_json
from regkb.errors import InputError, NotFoundError, RegkbError
from regkb.service import shapes

if TYPE_CHECKING:
    from regkb.engine import Engine

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=shapes.MAX_TEXT_CHARS, description="the question")
    k: int = Field(10, ge=1, le=shapes.MAX_K, description="passages to retrieve")
    level: str | None = Field(None, description="only this level (法律, 司法解释, 内部制度 …)")
    history: list[str] = Field(default_factory=list, description="earlier questions of the conversation")
    id: str | None = Field(None, description="echoed back as the answer's id")


class TextRequest(BaseModel):
    text: str = Field(min_length=1, max_length=shapes.MAX_TEXT_CHARS, description="the text to examine")


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 before any handler runs."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:  # chunked bodies carry no length: count what arrives
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            more = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Message, receive: Receive, send: Send) -> None:
        message = f"request body over {self.limit} bytes; send a shorter text"
        await _error(413, message, "body")(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _bearer(token: str | None) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(
                401, "missing or wrong bearer token; send 'Authorization: Bearer <REGKB_API_TOKEN>'"
            )

    return check


def _fresh(engine: Engine) -> Callable[[], None]:
    """Before each request: serve a newer index generation if an ingest published one meanwhile."""

    def reload() -> None:
        if engine.reload_if_changed():
            log.info("serving index generation %s", engine.generation)

    return reload


def _field(exc: RequestValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    return (".".join(loc) or "body"), str(first.get("msg", "invalid"))


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        field, reason = _field(exc)
        return _error(400, f"field '{field}': {reason}", field)

    @app.exception_handler(InputError)
    async def bad_input(_: Request, exc: InputError) -> JSONResponse:
        return _error(400, str(exc), exc.field)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(RegkbError)
    async def regkb_error(_: Request, exc: RegkbError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))


def _routes(engine: Engine, token: str | None) -> APIRouter:
    """Every endpoint but /healthz, behind the bearer check."""
    app = APIRouter(dependencies=[Depends(_bearer(token)), Depends(_fresh(engine))])

    @app.post("/ask", summary="Answer a question with cited provisions (same JSON as `regkb ask --json`)")
    def ask(body: AskRequest) -> dict[str, Any]:
        answer = engine.ask(
            body.question, filters=shapes.level_filters(body.level), k=body.k, history=body.history
        )
        return answer_json(answer, body.id)

    @app.post("/check", summary="Review a draft clause or policy against the red lines and the rules")
    def check(body: TextRequest) -> dict[str, Any]:
        return {"clauses": [shapes.clause_json(r) for r in engine.check(body.text)]}

    @app.post("/verify", summary="Check every 《X》第N条 citation in a text against the index")
    def verify(body: TextRequest) -> dict[str, Any]:
        checks = [shapes.verification_json(c) for c in engine.verify(body.text)]
        return {"all_valid": all(c["status"] == "valid" for c in checks), "citations": checks}

    @app.get("/documents", summary="The indexed documents")
    def documents() -> dict[str, Any]:
        return {"documents": [shapes.document_json(d) for d in engine.documents()]}

    @app.get("/documents/{doc_id:path}/articles/{label}", summary="One article, verbatim, with metadata")
    def article(doc_id: str, label: str) -> dict[str, Any]:
        return shapes.article_json(shapes.article_passages(engine, doc_id, label))

    return app


def create_app(engine: Engine, token: str | None = None, max_body: int = MAX_BODY_BYTES) -> FastAPI:
    """The API over one loaded Engine; with a token, every endpoint but /healthz needs it."""
    app = FastAPI(
        title="regkb",
        description="催收合规知识库: cited answers, clause review and citation checks over the indexed corpus.",
        version="1",
    )

    @app.get("/healthz", summary="Health: the index generation in service")
    def healthz() -> dict[str, Any]:
        engine.reload_if_changed()
        return {"status": "ok", "generation": engine.generation, "documents": len(engine.documents())}

    _install_errors(app)
    app.include_router(_routes(engine, token))
    app.add_middleware(BodyLimit, limit=max_body)
    return app


def serve(engine: Engine, host: str, port: int, token: str | None = None) -> None:
    """Run the API in this process until interrupted (one worker: the models load once)."""
    log.info("serving regkb on http://%s:%d (token %s)", host, port, "required" if token else "off")
    uvicorn.run(create_app(engine, token), host=host, port=port, log_level="warning")
