"""`regkb verify "text"`: check every 《X》第N条 citation in a text against the index.

Exit 0 when every citation is valid, 1 otherwise. Reads only the index's passages (no models).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from regkb.commands.common import add_index_flag, settings_from
from regkb.types import CitationCheck

_MARKS = {"valid": "✓", "article_missing": "✗", "document_missing": "✗", "quote_mismatch": "✗"}
_REASONS = {
    "valid": "有效",
    "article_missing": "条文不存在",
    "document_missing": "知识库中没有该文件",
    "quote_mismatch": "引文与原文不符",
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", help="check the citations in a text against the index")
    parser.add_argument("text", help='the text to check ("-" reads standard input)')
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_index_flag(parser)
    parser.set_defaults(func=run)


def check_json(check: CitationCheck) -> dict[str, Any]:
    p = check.passage
    return {
        "citation": check.text,
        "status": check.status,
        "doc_id": p.doc_id if p else None,
        "article": p.article if p else None,
        "quote": check.quote,
    }


def render(checks: list[CitationCheck]) -> str:
    if not checks:
        return "未发现引用（《X》第N条）。"
    lines = []
    for c in checks:
        line = f"{_MARKS[c.status]} {c.text}  {_REASONS[c.status]}"
        if c.passage is not None:
            line += f"  [{c.passage.doc_id}]"
        if c.quote is not None and c.status == "quote_mismatch":
            line += f"\n    引文：“{c.quote}”"
        lines.append(line)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from regkb.index import IndexReader
    from regkb.provisions import ProvisionResolver
    from regkb.verify import default_aliases, verify_citations

    text = sys.stdin.read() if args.text == "-" else args.text
    reader = IndexReader.open(settings_from(args).index_dir)
    try:
        checks = verify_citations(text, ProvisionResolver(reader.passages, alias=default_aliases()[1]))
    finally:
        reader.close()
    if args.json:
        print(json.dumps([check_json(c) for c in checks], ensure_ascii=False, indent=2))
    else:
        print(render(checks))
    return 0 if all(c.status == "valid" for c in checks) else 1
