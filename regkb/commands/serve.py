"""`regkb serve`: the HTTP API (POST /ask, /check, /verify; GET /documents, /healthz) on one Engine."""

from __future__ import annotations

import argparse

from regkb.commands.common import add_index_flag, open_engine, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="serve the HTTP API (OpenAPI at /docs)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    add_index_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from regkb.service.http import serve

    engine = open_engine(args)  # models and index load once, before the first request
    serve(engine, args.host, args.port, token=settings_from(args).api_token)
    return 0
