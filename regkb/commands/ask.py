"""`regkb ask`: one question, or a batch file of them, answered with citations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from regkb.commands.common import add_index_flag, answer_json, names_a_file, open_engine
from regkb.errors import RegkbError
from regkb.questions import EmptyQuestionError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ask", help="answer a question with cited provisions")
    parser.add_argument("question", nargs="?", help="the question (omit with --batch)")
    parser.add_argument("--batch", type=Path, help='JSONL file of {"id", "question"} lines')
    parser.add_argument("--k", type=int, default=10, help="passages to retrieve")
    parser.add_argument("--json", action="store_true", help="print JSON (one line per question)")
    add_index_flag(parser)
    parser.set_defaults(func=run)


BATCH_HINT = 'give a JSONL file of {"id", "question"} lines'


def _read_batch(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegkbError(f"{path}: no such file; {BATCH_HINT}") from None
    except IsADirectoryError:
        raise RegkbError(f"{path}: is a directory; {BATCH_HINT}") from None
    except UnicodeDecodeError as exc:
        raise RegkbError(f"{path}: not UTF-8 text ({exc.reason}); save the batch file as UTF-8") from None
    except OSError as exc:
        raise RegkbError(
            f"{path}: cannot be read ({exc.strerror}); check the path and its permissions"
        ) from None


def _batch_questions(path: Path) -> list[tuple[str, str]]:
    out = []
    for n, line in enumerate(_read_batch(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            out.append((str(item["id"]), str(item["question"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise RegkbError(
                f"{path}:{n}: each line needs a JSON object with 'id' and 'question' ({exc})"
            ) from exc
        if not out[-1][1].strip():
            raise EmptyQuestionError(f"{path}:{n}")
    return out


def run(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.batch is None):
        print("regkb ask: give a question or --batch FILE, not both", file=sys.stderr)
        return 2
    if args.k < 1:  # --k 0 was refused as 检索无结果, --k -1 dropped the last passage
        raise RegkbError(f"--k must be at least 1 (got {args.k}): the number of passages to retrieve")
    if args.question is not None and not args.question.strip():
        raise EmptyQuestionError()
    if args.question is not None and names_a_file(args.question):  # it was asked as a question
        print(
            f"regkb ask: {args.question} is a file; ask its questions with --batch {args.question}",
            file=sys.stderr,
        )
        return 2
    questions = _batch_questions(args.batch) if args.batch else [("", args.question)]
    engine = open_engine(args)
    for qid, question in questions:
        answer = engine.ask(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(answer, qid or None), ensure_ascii=False), flush=True)
        else:
            print(answer.text)
            if not answer.refused:
                print(
                    f"\n（检索 {answer.timings_ms['retrieve']:.0f} ms，共 {answer.timings_ms['total']:.0f} ms）"
                )
    return 0
