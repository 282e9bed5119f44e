"""The audit log (append-only, durable, secret-free) and the admin gate's back-off."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regkb.admin import hash_password
from regkb.audit import ADMIN, AUTH, QUESTION, REDACTED, AuditLog, redact
from regkb.auth import BASE_DELAY_S, FREE_TRIES, AdminGate
from tests.app.fakes import FakeEngine

REPO = Path(__file__).resolve().parents[2]
SECRET = "correct-horse-🐎-battery"


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_questions_answers_citations_and_admin_actions_are_recorded(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "a" / "audit.sqlite")
    answer = FakeEngine().ask("可以找同事吗")
    first = audit.question("s-1", answer)
    audit.admin("s-2", "upload", True, files=["新规.md"])
    records = audit.records()
    assert [r.id for r in records] == [first, first + 1]
    q = records[0]
    assert (q.session, q.kind, q.action, q.ok) == ("s-1", QUESTION, "ask", True)
    assert q.detail["question"] == "可以找同事吗" and q.detail["answer"] == answer.text
    assert q.detail["citations"][0]["label"] == "《示例催收规定》第三条"
    assert q.detail["citations"][0]["quote"] == answer.citations[0].quote
    assert abs(time.time() - _epoch(q.at)) < 60
    assert (records[1].kind, records[1].detail) == (ADMIN, {"files": ["新规.md"]})
    assert [r.kind for r in audit.records(ADMIN)] == [ADMIN]


def _epoch(at: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(at).timestamp()


def test_the_database_refuses_to_rewrite_or_delete_records(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.sqlite")
    audit.admin("s", "reingest", True)
    with sqlite3.connect(tmp_path / "audit.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        for sql in ("UPDATE audit SET ok = 0", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    assert len(audit.records()) == 1 and audit.records()[0].ok


def test_secrets_are_redacted_before_writing(tmp_path: Path) -> None:
    assert redact({"password": "x", "nested": {"api_key": "k", "n": 1}, "file": "a.md"}) == {
        "password": REDACTED,
        "nested": {"api_key": REDACTED, "n": 1},
        "file": "a.md",
    }
    audit = AuditLog(tmp_path / "audit.sqlite")
    audit.admin("s", "upload", True, token=SECRET, admin_password=SECRET)
    assert SECRET.encode() not in _all_bytes(tmp_path)


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.is_file())


def test_gate_backs_off_after_repeated_failures_and_audits_every_attempt(tmp_path: Path) -> None:
    clock = _Clock()
    audit = AuditLog(tmp_path / "audit.sqlite", clock=clock)
    gate = AdminGate(hash_password(SECRET, iterations=1000), audit, clock=clock)
    for _ in range(FREE_TRIES - 1):
        assert gate.attempt("attacker", "guess").retry_after_s == 0
    third = gate.attempt("attacker", "guess")
    assert not third.ok and third.retry_after_s == BASE_DELAY_S
    blocked = gate.attempt("other-session", SECRET)  # even the right password waits
    assert not blocked.ok and "秒后再试" in blocked.message
    clock.now += BASE_DELAY_S
    fourth = gate.attempt("attacker", "guess")
    assert not fourth.ok and fourth.retry_after_s == 2 * BASE_DELAY_S  # doubles
    clock.now += 2 * BASE_DELAY_S
    assert gate.attempt("admin", SECRET).ok
    assert gate.retry_after() == 0  # a success resets the count
    logins = audit.records(AUTH)
    assert [(r.session, r.ok, bool(r.detail.get("blocked"))) for r in logins] == [
        *[("attacker", False, False)] * FREE_TRIES,
        ("other-session", False, True),
        ("attacker", False, False),
        ("admin", True, False),
    ]
    assert SECRET.encode() not in _all_bytes(tmp_path) and b"guess" not in _all_bytes(tmp_path)


def test_gate_without_a_configured_password_never_opens(tmp_path: Path) -> None:
    gate = AdminGate(None, AuditLog(tmp_path / "audit.sqlite"))
    assert not gate.enabled and not gate.attempt("s", "").ok


_WRITER = """
import sys
from regkb.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(100000):
    rid = log.admin("crash", "upload", True, n=i, text="条文" * 200)
    print(rid, i, flush=True)
"""


@pytest.mark.integration
def test_records_written_before_a_sigkill_are_read_back(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db)], cwd=REPO, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert proc.stdout is not None
    acknowledged = [proc.stdout.readline() for _ in range(200)]  # 200 appends returned
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    rest = proc.stdout.read().splitlines()
    written = [tuple(map(int, line.split())) for line in [*acknowledged, *rest] if line.strip()]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    records = {r.id: r for r in AuditLog(db).records()}
    for rid, n in written:  # every acknowledged record survived, intact
        assert records[rid].detail["n"] == n and records[rid].detail["text"] == "条文" * 200
    assert len(records) >= len(written) >= 200
    assert json.loads(json.dumps(records[written[0][0]].detail))["n"] == 0


@pytest.mark.integration
def test_no_secret_reaches_the_logs_of_a_verbose_ingest_and_ask(tmp_path: Path) -> None:
    from tests.ingest.factory import small_corpus

    small_corpus(tmp_path / "corpus")
    env = {
        **os.environ,
        "REGKB_ADMIN_PASSWORD": SECRET,
        "REGKB_LLM_API_KEY": SECRET + "-key",
        "REGKB_API_TOKEN": SECRET + "-token",
        "REGKB_DENSE": '["hash"]',
    }
    index = str(tmp_path / "idx")
    commands = [
        ["-v", "ingest", str(tmp_path / "corpus"), "--index", index, "--dense", "hash"],
        ["-v", "ask", "甲法第一条", "--index", index, "--json"],
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-m", "regkb.cli", *args], capture_output=True, text=True, env=env, cwd=REPO,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "INFO" in done.stderr  # verbose logging really ran
        assert SECRET not in done.stdout + done.stderr
