"""How the conclusion rules (regkb/conclusion.py, regkb/permission.py) fare on every labelled train question.

    python -m training.conclusions --index .regkb-eval [--shared ../shared] [--dump FILE] [--reader]

Reads the train split of each set whose questions carry ``expected_answer`` (dev, internal,
heldout, blind, permission) and the training-only questions of training/questions/conclusions.jsonl
(160 permission questions on the laws of ../shared/corpus and the sample policies, written from
the documents by writers who saw no other question and ran no regkb command; they are never
split and never reported as validation) and of training/questions/conclusions-fresh.jsonl (384 more,
written so on 2026-12-03 in two batches of 192 by eight writers, 96 of each label, reported as the
set "fresh": no rule had been diagnosed on them when they were first run) and of
training/questions/conclusions-fresh-3.jsonl (a third batch of 192, set "fresh-3", kept out of the
conclusion reader's data: see training/reader.py). Each question is asked once through the real engine,
its own entry left out of the question memory (the committed memory holds every train question),
and the conclusion label is compared with the expected one, per set, with a confusion table.
Every figure it prints is a tuning figure: changes to the conclusion rules are decided on them.
With ``--reader`` the questions are asked with the conclusion reader on (regkb/reader.py): a figure of
the reader on questions it was fitted on, except "fresh-3", which it never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from evals.dataset import EvalQuestion, load_questions
from evals.paths import SHARED
from evals.splits import question_sets, split_of
from regkb.engine import Engine
from regkb.permission import LABELS
from regkb.settings import Settings
from regkb.types import Answer

LABELLED_SETS = ("dev", "internal", "heldout", "blind", "permission")
TRAINING_ONLY = Path(__file__).parent / "questions" / "conclusions.jsonl"
FRESH = Path(__file__).parent / "questions" / "conclusions-fresh.jsonl"
FRESH_THIRD = Path(__file__).parent / "questions" / "conclusions-fresh-3.jsonl"


def labelled(shared: Path) -> list[tuple[str, EvalQuestion]]:
    """(set, question) for every labelled train question, the training-only files last."""
    files = question_sets(shared)
    out = [
        (name, q)
        for name in LABELLED_SETS
        for q in load_questions(files[name])
        if q.expected_answer and split_of(q.id) == "train"
    ]
    out += [("training-only", q) for q in load_questions(TRAINING_ONLY)]
    out += [("fresh", q) for q in load_questions(FRESH)]
    return out + [("fresh-3", q) for q in load_questions(FRESH_THIRD)]


def answers(engine: Engine, questions: Sequence[tuple[str, EvalQuestion]]) -> Iterator[Answer]:
    """Each question's answer, asked with its own entry left out of the question memory (the memory
    is restored when the iteration ends or stops)."""
    memory = engine.memory
    try:
        for _, q in questions:
            if memory is not None:
                engine.use_memory(memory.without(q.id) if q.id in memory.ids else memory)
            yield engine.ask(q.question)
    finally:
        engine.use_memory(memory)


def decided(engine: Engine, questions: Sequence[tuple[str, EvalQuestion]]) -> list[str | None]:
    """The conclusion label of each question, asked with its own entry left out of the memory."""
    return [a.conclusion.label if a.conclusion else None for a in answers(engine, questions)]


def report(questions: Sequence[tuple[str, EvalQuestion]], labels: Sequence[str | None]) -> str:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    confusion: Counter[tuple[str, str | None]] = Counter()
    for (name, q), label in zip(questions, labels, strict=True):
        total[name] += 1
        right[name] += label == q.expected_answer
        confusion[(str(q.expected_answer), label)] += 1
    lines = [
        f"{name:14s} {right[name]:4d} / {total[name]:<4d} {right[name] / total[name]:.3f}" for name in total
    ]
    lines.append(f"{'all':14s} {sum(right.values()):4d} / {sum(total.values()):<4d}")
    columns = [*LABELS, None]
    lines.append("expected \\ decided: " + " ".join(str(c) for c in columns))
    lines += [f"{e:8s} " + " ".join(f"{confusion[(e, c)]:4d}" for c in columns) for e in LABELS]
    return "\n".join(lines)


def dump(questions: Sequence[tuple[str, EvalQuestion]], labels: Sequence[str | None]) -> str:
    """One JSON line per question (set, id, question, expected, decided), wrong ones marked, to read
    which questions a rule moves (diff two dumps)."""
    return "".join(
        json.dumps(
            {
                "set": name,
                "id": q.id,
                "question": q.question,
                "expected": q.expected_answer,
                "decided": label,
                "right": label == q.expected_answer,
            },
            ensure_ascii=False,
        )
        + "\n"
        for (name, q), label in zip(questions, labels, strict=True)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.conclusions", description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--dump", type=Path, help="also write each question's labels here (JSONL)")
    parser.add_argument("--reader", action="store_true", help="ask with the conclusion reader on")
    args = parser.parse_args(argv)
    if args.dump is not None and not args.dump.parent.is_dir():
        # checked before the minute of answering, not after it
        parser.error(
            f"--dump {args.dump}: the directory {args.dump.parent} does not exist; create it or pick another"
        )
    questions = labelled(args.shared)
    engine = Engine(Settings(index_dir=args.index, reader=args.reader))
    labels = decided(engine, questions)
    print(report(questions, labels))
    if args.dump is not None:
        args.dump.write_text(dump(questions, labels), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
