"""Helpers shared by the core subcommands: settings from flags, the engine, JSON shapes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from regkb.settings import Settings
from regkb.types import Answer, Citation, Hit


def add_index_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=None, help="index directory (default .regkb/)")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "index", None) is not None:
        settings = settings.model_copy(update={"index_dir": args.index})
    return settings


def open_engine(args: argparse.Namespace):  # -> Engine (imported lazily: loading models is slow)
    from regkb.engine import Engine

    return Engine.open(settings_from(args))


def citation_json(c: Citation) -> dict[str, Any]:
    p = c.passage
    return {
        "doc_id": p.doc_id,
        "title": p.title,
        "short_title": p.short_title,
        "article": p.article,
        "quote": c.quote,
    }


def hit_json(h: Hit) -> dict[str, Any]:
    p = h.passage
    return {
        "doc_id": p.doc_id,
        "title": p.title,
        "short_title": p.short_title,
        "article": p.article,
        "score": round(h.score, 6),
        "channels": list(h.channels),
    }


def conclusion_json(answer: Answer) -> dict[str, Any]:
    """{"label": 不可以 / 可以 / 有条件可以 / 视情况而定 / null, "text": the conclusion line}."""
    if answer.conclusion is None:
        return {"label": None, "text": "" if not answer.refused else answer.text.splitlines()[0]}
    return {"label": answer.conclusion.label, "text": answer.conclusion.text}


def answer_json(answer: Answer, qid: str | None = None) -> dict[str, Any]:
    """The public `regkb ask --json` schema (pinned by tests/regkb/test_cli_ask.py)."""
    out: dict[str, Any] = {
        "id": qid,
        "question": answer.question,
        "refused": answer.refused,
        "answer": answer.text,
        "citations": [citation_json(c) for c in answer.citations],
        "retrieved": [hit_json(h) for h in answer.retrieved[:10]],
        "timings_ms": {k: answer.timings_ms.get(k, 0.0) for k in ("retrieve", "answer", "total")},
        "conclusion": conclusion_json(answer),
    }
    if answer.verdict is not None:
        out["verdict"] = answer.verdict
    if answer.notes:
        out["notes"] = list(answer.notes)
    return out


def names_a_file(text: str) -> bool:
    """A positional text that names an existing file (a path, not a clause or a question: one line, no
    sentence mark): `regkb check draft.txt` and `regkb ask questions.jsonl` meant --file and --batch."""
    if "\n" in text or any(mark in text for mark in "。；，"):
        return False
    try:
        return Path(text).expanduser().is_file()
    except OSError:
        return False
