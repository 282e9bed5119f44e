"""`regkb check`: review a draft clause or policy against the red lines and the rules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from regkb.commands.common import add_index_flag, hit_json, names_a_file, open_engine
from regkb.service import plugins
from regkb.types import ClauseResult


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="review a draft clause or policy (DOCX/TXT/MD)")
    parser.add_argument("text", nargs="?", help="the clause text")
    parser.add_argument("--file", type=Path, help="a policy file (.docx, .txt, .md)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_index_flag(parser)
    parser.set_defaults(func=run)


def read_policy(path: Path) -> str:
    """The file's text through the ingest loaders (the `regkb.readers` entry point)."""
    return plugins.read_text(path)


def result_json(r: ClauseResult) -> dict[str, Any]:
    return {
        "label": r.label,
        "text": r.text,
        "verdict": r.verdict,
        "severity": r.severity,
        "redlines": [
            {
                "id": h.rule_id,
                "name": h.name,
                "severity": h.severity,
                "matched": list(h.matched),
                "provisions": [p.citation_label for p in h.provisions],
            }
            for h in r.redlines
        ],
        "governing": [hit_json(h) for h in r.governing],
    }


def render(r: ClauseResult) -> str:
    lines = [f"【{r.label}】{r.verdict}" + (f"（{r.severity}）" if r.severity else "")]
    if r.verdict != "违规风险" and not r.redlines:
        lines.append(
            "  未发现明显冲突，请人工复核" if r.verdict == "未发现明显冲突" else "  涉及敏感行为，请人工复核"
        )
    for h in r.redlines:
        lines.append(f"  ✗ {h.name}［{h.severity}］：{'、'.join(p.citation_label for p in h.provisions)}")
    lines.append("  相关规定：" + "、".join(h.passage.citation_label for h in r.governing[:5]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if bool(args.text) == bool(args.file):
        print("regkb check: give the clause text or --file, not both", file=sys.stderr)
        return 2
    if args.text and names_a_file(args.text):  # 「regkb check draft.txt」 reviewed the path as a clause
        print(f"regkb check: {args.text} is a file; review it with --file {args.text}", file=sys.stderr)
        return 2
    text = read_policy(args.file) if args.file else args.text
    results = open_engine(args).check(text)
    if args.json:
        print(json.dumps([result_json(r) for r in results], ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(render(r) for r in results))
    return 0
