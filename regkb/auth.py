"""The admin gate: password checks with an audit trail and a back-off after repeated failures.

Every attempt is written to the audit log (that it succeeded or failed, never what was typed).
After ``FREE_TRIES`` consecutive failures, from any session, each further attempt must wait
``BASE_DELAY_S * 2**(n - FREE_TRIES)`` seconds (capped at ``MAX_DELAY_S``) after the last
failure; attempts made during the wait are refused without checking the password, and
recorded. The count lives in the audit log, so it survives restarts and is shared by every
app process writing the same log. A success resets it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from regkb.admin import admin_enabled, verify_password
from regkb.audit import AUTH, AuditLog

FREE_TRIES = 3
BASE_DELAY_S = 2.0
MAX_DELAY_S = 300.0
LOGIN = "login"
BLOCKED = "密码错误次数过多"


@dataclass(frozen=True, slots=True)
class GateResult:
    ok: bool
    message: str
    retry_after_s: float = 0.0
    blocked: bool = False  # refused by the back-off without checking the password


class AdminGate:
    """Checks admin passwords against REGKB_ADMIN_PASSWORD (plain or PBKDF2 hash)."""

    def __init__(
        self, configured: str | None, audit: AuditLog, clock: Callable[[], float] = time.time
    ) -> None:
        self._configured = configured
        self._audit = audit
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return admin_enabled(self._configured)

    def retry_after(self) -> float:
        """Seconds to wait before the next attempt is checked (0 when none is needed)."""
        success = self._audit.last(AUTH, LOGIN, ok=True)
        failures = self._audit.failures_since(AUTH, LOGIN, success.id if success else 0)
        counted = [r for r in failures if not r.detail.get("blocked")]
        if len(counted) < FREE_TRIES:
            return 0.0
        delay = min(BASE_DELAY_S * 2 ** (len(counted) - FREE_TRIES), MAX_DELAY_S)
        last = datetime.fromisoformat(counted[-1].at).timestamp()
        return max(0.0, last + delay - self._clock())

    def attempt(self, session: str, password: str) -> GateResult:
        """Check one attempt; the outcome (never the password) is audited."""
        if not self.enabled:
            return GateResult(False, "未设置管理员密码（REGKB_ADMIN_PASSWORD），本页只读。")
        wait = self.retry_after()
        if wait > 0:
            self._audit.append(
                session, AUTH, LOGIN, False, {"blocked": True, "retry_after_s": round(wait, 1)}
            )
            return GateResult(False, f"密码错误次数过多，请 {wait:.0f} 秒后再试。", wait)
        ok = verify_password(password, self._configured)
        self._audit.append(session, AUTH, LOGIN, ok, {})
        if ok:
            return GateResult(True, "已登录")
        return GateResult(False, "密码不正确", self.retry_after())


class LoginMemo:
    """Remembers, per app session, the outcome for the text last typed in the password box.

    A Streamlit page re-runs on every interaction; without this each re-run would check (and
    audit) the same typed text again. The text is kept only as an HMAC under a per-process key.
    Outcomes of attempts refused by the back-off are not remembered, so the same text is checked
    once the wait is over.
    """

    _key = secrets.token_bytes(32)

    def __init__(self) -> None:
        self._seen: tuple[bytes, GateResult] | None = None

    def check(self, gate: AdminGate, session: str, password: str) -> GateResult | None:
        """The outcome for password (None when the box is empty)."""
        if not password:
            return None
        mark = hmac.new(self._key, password.encode("utf-8"), hashlib.sha256).digest()
        if self._seen is not None and hmac.compare_digest(self._seen[0], mark):
            return self._seen[1]
        result = gate.attempt(session, password)
        self._seen = None if result.blocked else (mark, result)
        return result
