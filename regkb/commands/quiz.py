"""`regkb quiz`: a training quiz (cloze and scenario items) from the indexed provisions."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from regkb.commands.common import add_index_flag, settings_from
from regkb.errors import RegkbError
from regkb.quiz import load_questions

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("quiz", help="generate a training quiz from the provisions")
    parser.add_argument("--doc", help="only this document (short title, e.g. 个人信息保护法)")
    parser.add_argument("--n", type=int, default=10, help="number of items (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed: same seed, same quiz")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    parser.add_argument("--questions", type=Path, help="question file in the eval format, for scenario items")
    add_index_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from regkb.index import IndexReader
    from regkb.quiz import item_dict, make_quiz, render_markdown

    if args.n < 1:
        raise RegkbError("--n must be at least 1")
    questions = load_questions(args.questions) if args.questions else None
    reader = IndexReader.open(settings_from(args).index_dir)
    try:
        passages = list(reader.passages)
    finally:
        reader.close()
    if args.doc and not any(args.doc in (p.short_title, p.doc_id) for p in passages):
        titles = sorted({p.short_title for p in passages})
        raise RegkbError(f"--doc {args.doc}: no such document in the index; one of: {'、'.join(titles)}")
    items = make_quiz(passages, args.n, args.seed, doc=args.doc, questions=questions)
    if len(items) < args.n:
        log.warning("only %d of %d items could be made", len(items), args.n)
    if args.format == "json":
        print(json.dumps([item_dict(i) for i in items], ensure_ascii=False, indent=2))
    else:
        print(render_markdown(items, args.seed), end="")
    return 0
