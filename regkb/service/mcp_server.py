"""The MCP server (the official `mcp` SDK): the only module that imports it.

    server = build_server(engine)     # tools bound to one loaded Engine
    run_stdio(engine)                 # `regkb mcp`: serve over stdin/stdout

Tools: search_provisions(question, k, level?), get_article(law, article),
verify_citations(text), check_clause(text). Every result carries citation labels
(《民法典》第六百八十条) and the verbatim text behind them, so an assistant quoting a result
never has to invent an article. Bad input or an unknown article comes back as a tool
error (is_error) whose message names the argument and the fix.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from regkb.errors import RegkbError
from regkb.service import shapes

if TYPE_CHECKING:
    from regkb.engine import Engine

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "催收合规知识库 (debt-collection compliance, Chinese law and internal policy). Quote only the "
    "'text' fields these tools return and cite them by their 'citation' labels; use verify_citations "
    "on any answer you draft before showing it."
)

P = ParamSpec("P")
R = TypeVar("R")


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A RegkbError becomes a ToolError, so the assistant reads its message (the field and the fix)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except RegkbError as exc:
            raise ToolError(str(exc)) from exc

    return wrapper


def build_server(engine: Engine) -> MCPServer:
    """An MCP server whose four tools call the engine (sync tools run on the SDK's worker threads)."""
    server = MCPServer(name="regkb", instructions=INSTRUCTIONS, version="1")

    @server.tool()
    @_tool_errors
    def search_provisions(question: str, k: int = 5, level: str | None = None) -> dict[str, Any]:
        """Provisions relevant to a question, best first, each with its citation label and verbatim text.
        level narrows to one of 法律 / 行政法规 / 部门规章 / 规范性文件 / 司法解释 / 行业自律 / 内部制度."""
        question = shapes.text_field("question", question)
        hits = engine.retrieve(question, shapes.level_filters(level), shapes.k_field(k))
        return {"question": question, "results": [shapes.hit_json(h) for h in hits]}

    @server.tool()
    @_tool_errors
    def get_article(law: str, article: str) -> dict[str, Any]:
        """One article, verbatim. law: 民法典, 个保法 or a full title; article: 第六百八十条, 680 or 293条之一."""
        return shapes.article_json(shapes.lookup_article(engine, law, article))

    @server.tool()
    @_tool_errors
    def verify_citations(text: str) -> dict[str, Any]:
        """Check every 《X》第N条 citation (and any quote after it) in a text against the index.
        status: valid / article_missing / document_missing / quote_mismatch."""
        checks = [shapes.verification_json(c) for c in engine.verify(shapes.text_field("text", text))]
        return {"all_valid": all(c["status"] == "valid" for c in checks), "citations": checks}

    @server.tool()
    @_tool_errors
    def check_clause(text: str) -> dict[str, Any]:
        """Review a draft collection clause or policy against the red lines and the governing rules.
        verdict: 违规风险 / 需复核 / 未发现明显冲突, with the provisions it rests on, quoted."""
        results = engine.check(shapes.text_field("text", text))
        return {"clauses": [shapes.clause_json(r) for r in results]}

    return server


def run_stdio(engine: Engine) -> None:
    """Serve the tools over stdin/stdout until the client closes the stream."""
    log.info("regkb MCP server on stdio, index generation %s", engine.generation)
    build_server(engine).run("stdio")
