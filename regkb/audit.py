"""The audit log: every question, answer, citation set and admin action, with time and session.

One SQLite file in WAL mode with ``synchronous=FULL``: a record whose ``append`` returned is on
disk and survives a crash (SIGKILL, power loss) of the writer. The log is append-only:
triggers make the database itself refuse UPDATE and DELETE on its rows, so neither the app nor
a bug in it can rewrite history. Each call opens its own connection, so Streamlit sessions on
different threads (and several processes) can share one file.

Secrets never enter the log: keys that name a secret are replaced by ``[redacted]`` before a
record is written, and the admin gate records that a login failed, never what was typed.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regkb.errors import ConfigError
from regkb.types import Answer

log = logging.getLogger(__name__)

QUESTION = "question"
ADMIN = "admin"
AUTH = "auth"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    session TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_kind ON audit (kind, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api[_-]?key|credential", re.IGNORECASE)
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: str  # ISO timestamp, UTC
    session: str
    kind: str  # question / admin / auth
    action: str  # ask, upload, delete, reingest, login, ...
    ok: bool
    detail: dict[str, Any]


def redact(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail with every value under a secret-looking key replaced (recursively)."""
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if _SECRET_KEY.search(key):
            out[key] = REDACTED
        elif isinstance(value, Mapping):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def answer_detail(answer: Answer) -> dict[str, Any]:
    """What the log keeps of an answer: question, text, refusal and the citation set."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [
            {"label": c.label, "doc_id": c.passage.doc_id, "passage_id": c.passage.id, "quote": c.quote}
            for c in answer.citations
        ],
        "notes": list(answer.notes),
    }


class AuditLog:
    """Append-only audit records in a SQLite file (created on first use)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open the audit log ({exc}); set REGKB_AUDIT_DB") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("PRAGMA synchronous=FULL")
            with conn:  # one transaction, committed (and synced) on exit
                yield conn

    def append(self, session: str, kind: str, action: str, ok: bool, detail: Mapping[str, Any]) -> int:
        """Write one record durably; returns its id."""
        at = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")
        body = json.dumps(redact(detail), ensure_ascii=False, default=str)
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO audit (at, session, kind, action, ok, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (at, session, kind, action, int(ok), body),
            )
            return int(cur.lastrowid or 0)

    def question(self, session: str, answer: Answer) -> int:
        return self.append(session, QUESTION, "ask", True, answer_detail(answer))

    def admin(self, session: str, action: str, ok: bool, **detail: Any) -> int:
        return self.append(session, ADMIN, action, ok, detail)

    def records(self, kind: str | None = None, since_id: int = 0) -> list[AuditRecord]:
        """Records in write order (optionally of one kind, after an id)."""
        query = "SELECT id, at, session, kind, action, ok, detail FROM audit WHERE id > ?"
        params: tuple[Any, ...] = (since_id,)
        if kind is not None:
            query, params = query + " AND kind = ?", (*params, kind)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY id", params).fetchall()
        return [AuditRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), json.loads(r[6])) for r in rows]

    def last(self, kind: str, action: str, ok: bool | None = None) -> AuditRecord | None:
        """The newest record of kind/action (and outcome, if given)."""
        query = "SELECT id FROM audit WHERE kind = ? AND action = ?"
        params: tuple[Any, ...] = (kind, action)
        if ok is not None:
            query, params = query + " AND ok = ?", (*params, int(ok))
        with self._connect() as conn:
            row = conn.execute(query + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return None if row is None else self.records(since_id=row[0] - 1)[0]

    def failures_since(self, kind: str, action: str, after_id: int) -> list[AuditRecord]:
        """Failed records of kind/action after an id, oldest first."""
        return [r for r in self.records(kind, since_id=after_id) if r.action == action and not r.ok]
