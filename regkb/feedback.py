"""The 👍/👎 feedback store: one SQLite file with the question, the answer and its citations.

Each call opens its own connection, so Streamlit sessions on different threads can share
one store object safely.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from regkb.errors import ConfigError
from regkb.types import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    id: int
    created_at: str
    rating: int  # +1 for 👍, -1 for 👎
    question: str
    answer: str
    refused: bool
    citations: tuple[dict[str, str], ...]
    comment: str


def _citations_json(answer: Answer) -> str:
    rows = [
        {
            "label": c.label,
            "doc_id": c.passage.doc_id,
            "article": c.passage.article,
            "passage_id": c.passage.id,
            "quote": c.quote,
        }
        for c in answer.citations
    ]
    return json.dumps(rows, ensure_ascii=False)


class FeedbackStore:
    """Append-only feedback records in a SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn, conn:
                conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"feedback database {self.path}: {exc}; set REGKB_FEEDBACK_DB to a writable file"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, answer: Answer, rating: int, comment: str = "") -> int:
        """Store one rating (+1 or -1) of an answer; returns the new row's id."""
        if rating not in (-1, 1):
            raise ValueError(f"rating must be +1 or -1, got {rating!r}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        values = (
            now,
            rating,
            answer.question,
            answer.text,
            int(answer.refused),
            _citations_json(answer),
            comment,
        )
        with closing(self._connect()) as conn, conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, refused, citations, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return int(cursor.lastrowid or 0)

    def recent(self, limit: int = 50) -> list[FeedbackRow]:
        """The newest records first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT id, created_at, rating, question, answer, refused, citations, comment"
                " FROM feedback ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            FeedbackRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), tuple(json.loads(r[6])), r[7]) for r in rows
        ]
