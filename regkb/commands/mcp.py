"""`regkb mcp`: an MCP server on stdio (search_provisions, get_article, verify_citations, check_clause)."""

from __future__ import annotations

import argparse

from regkb.commands.common import add_index_flag, open_engine


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("mcp", help="run the MCP server on stdio (for AI assistants)")
    add_index_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from regkb.service.mcp_server import run_stdio

    run_stdio(open_engine(args))  # stdout carries the protocol; logs go to stderr
    return 0
